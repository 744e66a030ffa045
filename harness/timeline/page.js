// The timeline's renderer. Rows are virtualised: the spacer is as tall as
// every row together, and only the rows in view (plus a margin) exist as
// SVG at any moment, so 10,000 rows cost what 60 do.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("data").textContent);
  // The toolbar works only through this script: hidden until it runs
  // (the page without scripts says so instead).
  document.querySelector(".toolbar").hidden = false;
  var RH = 24, TIMEW = 128, OVERSCAN = 30, GAP_MS = 60000, MIN_LANE = 150;
  var KINDS = [
    ["at", "AT"], ["es10", "ES10 over AT"], ["apdu", "card APDUs"], ["http", "platform HTTP"], ["es9", "ES9+"],
    ["event", "events"], ["fault", "faults"]
  ];
  var lanes = DATA.lanes, items = DATA.items;
  var scroller = document.getElementById("scroller");
  var spacer = document.getElementById("spacer");
  var svg = document.getElementById("rows");
  var laneSvg = document.getElementById("lanes");
  var q = document.getElementById("q");
  var failOnly = document.getElementById("failonly");
  var count = document.getElementById("count");
  var shownKinds = {};
  var rows = [];      // what is drawn: {i: item index} or {gap: ms}
  var laneX = [], laneW = MIN_LANE, totalW = 1000;
  var selected = -1;  // item index
  var pending = false;

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function pad(n, w) { n = String(n); while (n.length < w) n = "0" + n; return n; }
  function fmtT(ms) {
    var neg = ms < 0; if (neg) ms = -ms;
    var d = Math.floor(ms / 86400000); ms -= d * 86400000;
    var h = Math.floor(ms / 3600000); ms -= h * 3600000;
    var m = Math.floor(ms / 60000); ms -= m * 60000;
    var s = Math.floor(ms / 1000); ms -= s * 1000;
    return (neg ? "-" : "+") + (d ? d + "d " : "") + pad(h, 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(Math.floor(ms), 3);
  }
  function fmtGap(ms) {
    var s = Math.round(ms / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + " h " : "") + (m ? m + " min " : "") + (r || (!h && !m) ? r + " s" : "");
  }
  function clip(s, px) {
    var n = Math.max(4, Math.floor(px / 6.6));
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }

  // The kind switches, with their colours.
  var kindsEl = document.getElementById("kinds");
  KINDS.forEach(function (k) {
    shownKinds[k[0]] = true;
    var l = document.createElement("label");
    l.innerHTML = '<input type="checkbox" checked data-kind="' + k[0] + '"><span class="sw" style="background:var(--' + k[0] + ')"></span>' + k[1];
    kindsEl.appendChild(l);
  });
  kindsEl.addEventListener("change", function (e) {
    shownKinds[e.target.getAttribute("data-kind")] = e.target.checked;
    refilter();
  });

  function matches(it, needle) {
    if (!shownKinds[it.k]) return false;
    if (failOnly.checked && !it.x) return false;
    if (!needle) return true;
    var hay = (it.l + " " + (it.d || "") + " " + it.k + " " + lanes[it.f].title + " " + (it.o >= 0 ? lanes[it.o].title : "") + " " + (it.z || []).join(" ")).toLowerCase();
    return hay.indexOf(needle) >= 0;
  }

  // filterState is the filter a page opened from this one (▶/◀, the
  // pager) takes on, as fragment parameters: "&failonly&q=text".
  function filterState() {
    var v = q.value.trim();
    return (failOnly.checked ? "&failonly" : "") + (v ? "&q=" + encodeURIComponent(v) : "");
  }
  var pageLinks = Array.prototype.slice.call(document.querySelectorAll("#pages a"));
  pageLinks.forEach(function (a) { a.setAttribute("data-file", a.getAttribute("href")); });

  function refilter() {
    // What the view is on: the selected row if it stays in, its offset
    // in the view kept; otherwise the first remaining item from the top
    // of the view on. Without this the old scrollTop, past the end of a
    // shorter list, drew nothing and n/p started past its last row.
    var oldK = selected >= 0 ? rowOf(selected) : -1;
    var oldOff = oldK >= 0 ? oldK * RH - scroller.scrollTop : -1;
    var anchor = -1;
    for (var a = Math.max(0, Math.floor(scroller.scrollTop / RH)); a < rows.length; a++) {
      if (rows[a].i !== undefined) { anchor = rows[a].i; break; }
    }
    var needle = q.value.trim().toLowerCase();
    rows = [];
    var last = null, shown = 0;
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      if (!matches(it, needle)) continue;
      if (last !== null && it.t - last >= GAP_MS) rows.push({ gap: it.t - last });
      rows.push({ i: i });
      last = it.t;
      shown++;
    }
    count.textContent = shown + " of " + items.length + " rows" + (DATA.page ? " on this page" : "");
    // The old drawing sits where the old rows were and would hold the
    // scroll area open below the new ones: drop it before scrolling.
    svg.innerHTML = "";
    svg.style.top = "0px";
    svg.setAttribute("height", 1);
    spacer.style.height = (rows.length * RH + 8) + "px";
    var h = scroller.clientHeight || 600;
    var k = selected >= 0 ? rowOf(selected) : -1;
    if (k >= 0) {
      scroller.scrollTop = oldOff >= 0 && oldOff <= h - RH ? k * RH - oldOff : Math.max(0, k * RH - h / 3);
    } else {
      for (k = 0; k < rows.length && !(rows[k].i >= anchor); k++);
      scroller.scrollTop = k * RH; // the browser clamps it to the new height
    }
    var st = filterState();
    pageLinks.forEach(function (l) { l.setAttribute("href", l.getAttribute("data-file") + (st ? "#" + st.slice(1) : "")); });
    render();
  }

  function layout() {
    var w = scroller.clientWidth || 1000;
    laneW = Math.max(MIN_LANE, (w - TIMEW - 10) / lanes.length);
    laneX = lanes.map(function (_, i) { return TIMEW + laneW * (i + 0.5); });
    var total = TIMEW + laneW * lanes.length + 10;
    totalW = total;
    svg.setAttribute("width", total);
    laneSvg.setAttribute("width", total);
    laneSvg.setAttribute("viewBox", "0 0 " + total + " 44");
    var h = '<text x="10" y="27" class="sub">' + esc(laneSvg.getAttribute("data-time") || "simulated time") + '</text>';
    lanes.forEach(function (l, i) {
      var bw = Math.min(laneW - 16, 170);
      // Clipped to the lane's box (a long operator id ran over its
      // neighbours'); the whole title is the group's tooltip.
      h += '<g><title>' + esc(l.title + (l.sub ? " · " + l.sub : "")) + '</title>' +
        '<rect x="' + (laneX[i] - bw / 2) + '" y="4" width="' + bw + '" height="36" rx="7"></rect>' +
        '<text class="title" text-anchor="middle" x="' + laneX[i] + '" y="20" data-lane="' + esc(l.id) + '">' + esc(l.title) + '</text>' +
        '<text class="sub" text-anchor="middle" x="' + laneX[i] + '" y="34">' + esc(l.sub || "") + '</text></g>';
    });
    laneSvg.innerHTML = h;
    // Cut each title to its box by its measured width (fonts differ).
    var room = Math.min(laneW - 16, 170) - 8;
    laneSvg.querySelectorAll("text").forEach(function (t) {
      var s = t.textContent;
      while (s.length > 1 && t.getComputedTextLength() > room) {
        s = s.slice(0, -1);
        t.textContent = s + "…";
      }
    });
  }

  function rowSVG(r, y) {
    if (r.gap !== undefined) {
      var mid = TIMEW + (laneW * lanes.length) / 2;
      return '<g class="gap"><line x1="' + TIMEW + '" x2="' + (TIMEW + laneW * lanes.length) + '" y1="' + (y + RH / 2) + '" y2="' + (y + RH / 2) + '"></line>' +
        '<text text-anchor="middle" x="' + mid + '" y="' + (y + 16) + '" class="lbl">⋯ ' + fmtGap(r.gap) + ' later</text></g>';
    }
    var it = items[r.i];
    var color = it.x ? "var(--bad)" : "var(--" + it.k + ")";
    var cls = "row" + (it.x ? " failed" : "") + (it.n ? " refused" : "") + (r.i === selected ? " selected" : "");
    var tip = it.l + (it.z ? "  [fault: " + it.z.join(", ") + "]" : "");
    var s = '<g class="' + cls + '" data-i="' + r.i + '"><title>' + esc(tip) + '</title>' +
      '<rect class="bg" x="0" y="' + y + '" width="100%" height="' + RH + '"></rect>' +
      '<text class="t" x="10" y="' + (y + 16) + '">' + fmtT(it.t) + '</text>';
    var x1 = laneX[it.f], cy = y + RH / 2 + 5;
    var badge = it.z ? ' <tspan class="badge-fault">⚡ ' + esc(it.z.join(", ")) + '</tspan>' : "";
    if (it.o >= 0 && it.o !== it.f) {
      var x2 = laneX[it.o], dir = x2 > x1 ? 1 : -1;
      var lo = Math.min(x1, x2), span = Math.abs(x2 - x1);
      s += '<line x1="' + x1 + '" x2="' + (x2 - dir * 6) + '" y1="' + cy + '" y2="' + cy + '" stroke="' + color + '" stroke-width="1.6"' +
        (it.r ? ' stroke-dasharray="5 3"' : "") + '></line>' +
        '<path d="M' + x2 + ' ' + cy + ' l' + (-dir * 8) + ' -4 v8 z" fill="' + color + '"></path>' +
        '<text class="lbl" x="' + (lo + span / 2) + '" y="' + (cy - 5) + '" text-anchor="middle" fill="' + color + '">' +
        esc(clip(it.l, Math.max(span - 10, 120))) + badge + '</text>';
    } else {
      // A mark's label runs right of its lane, or left of it when the
      // lane is too close to the right edge for it.
      var room = laneW * 2.2, text = (it.k === "fault" ? "⚡ " : "") + clip(it.l, room);
      var right = x1 + 10 + text.length * 6.6 < totalW || laneX.length < 2;
      var tx = right ? x1 + 10 : x1 - 10, anchor = right ? "start" : "end";
      if (it.k === "fault") {
        s += '<path d="M' + x1 + ' ' + (cy - 9) + ' l6 6 l-6 6 l-6 -6 z" fill="var(--fault)"></path>';
      } else {
        s += '<circle cx="' + x1 + '" cy="' + (cy - 3) + '" r="4" fill="' + color + '"></circle>';
      }
      s += '<text class="lbl" x="' + tx + '" y="' + cy + '" text-anchor="' + anchor + '" fill="' + color + '"' +
        (it.k === "fault" ? ' font-weight="650"' : "") + '>' + esc(text) + badge + '</text>';
    }
    return s + '</g>';
  }

  function render() {
    pending = false;
    var top = scroller.scrollTop, h = scroller.clientHeight || 600;
    var first = Math.max(0, Math.floor(top / RH) - OVERSCAN);
    var last = Math.min(rows.length, Math.ceil((top + h) / RH) + OVERSCAN);
    var y0 = first * RH, height = Math.max(1, (last - first) * RH);
    svg.style.top = y0 + "px";
    svg.setAttribute("height", height);
    var s = "";
    laneX.forEach(function (x) {
      s += '<line class="life" x1="' + x + '" x2="' + x + '" y1="0" y2="' + height + '"></line>';
    });
    for (var k = first; k < last; k++) s += rowSVG(rows[k], (k - first) * RH);
    svg.innerHTML = s;
  }
  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(render); }
  }

  function rowOf(itemIndex) {
    for (var k = 0; k < rows.length; k++) if (rows[k].i === itemIndex) return k;
    return -1;
  }
  function show(i) {
    selected = i;
    var it = items[i];
    var abs = new Date(Date.parse(DATA.start) + it.t);
    document.getElementById("d-label").textContent = it.l;
    document.getElementById("d-meta").textContent = fmtT(it.t) + " (" + abs.toISOString() + ") · " + it.k + " · " +
      lanes[it.f].title + (it.o >= 0 ? " → " + lanes[it.o].title : "") + (it.s ? " · " + it.s : "") +
      (it.z ? " · injected fault: " + it.z.join(", ") : "") + (it.x ? " · FAILED" : "") +
      (it.n ? " · " + it.n + " (expected in the run's conditions, not a failure)" : "");
    document.getElementById("d-text").textContent = it.d || it.l;
    document.getElementById("detail").hidden = false;
    render();
  }
  function showRow(k) {
    scroller.scrollTop = Math.max(0, k * RH - scroller.clientHeight / 3);
    show(rows[k].i);
  }
  // jumpFail selects the next (dir 1) or previous (-1) failed row; past
  // the last one of this page it opens the nearest page with a failure
  // in that direction, which shows its first (or last) one. With no row
  // selected (or the selected one filtered out) the rows in view are the
  // cursor: the search takes them in, from the top row going forward and
  // from the bottom one going back, so a failure on row 0 is reached.
  // jump selects the next (dir 1) or previous (-1) row that want
  // accepts, from the selected row or, with none, from the view, and
  // reports whether it found one.
  function jump(dir, want) {
    // Never from past the last row (the view is clamped to the rows,
    // but a scroll not yet drawn may lag).
    var cur = dir > 0 ? Math.min(Math.floor(scroller.scrollTop / RH), rows.length - 1)
      : Math.min(rows.length, Math.ceil((scroller.scrollTop + (scroller.clientHeight || 600)) / RH)) - 1;
    if (selected >= 0) { var k = rowOf(selected); if (k >= 0) cur = k + dir; }
    for (var k2 = cur; k2 >= 0 && k2 < rows.length; k2 += dir) {
      var r = rows[k2];
      if (r.i !== undefined && want(items[r.i])) { showRow(k2); return true; }
    }
    return false;
  }
  function jumpFail(dir) {
    if (jump(dir, function (it) { return it.x; })) return;
    var ps = DATA.pages || [];
    for (var n = DATA.page - 1 + dir; n >= 0 && n < ps.length; n += dir) {
      if (ps[n].failed > 0) { location.href = ps[n].file + (dir > 0 ? "#first-failure" : "#last-failure") + filterState(); return; }
    }
  }
  // The fragment: "first-failure" or "last-failure" (from ▶/◀ on the
  // page before or after), then the filter that page had.
  var hashParts = location.hash.slice(1).split("&");
  hashParts.slice(1).concat(hashParts[0]).forEach(function (p) {
    if (p === "failonly") failOnly.checked = true;
    else if (p.indexOf("q=") === 0) { try { q.value = decodeURIComponent(p.slice(2)); } catch (e) { /* a hand-edited fragment */ } }
  });
  function failFromHash() {
    var dir = hashParts[0] === "first-failure" ? 1 : hashParts[0] === "last-failure" ? -1 : 0;
    if (!dir) return;
    for (var k = dir > 0 ? 0 : rows.length - 1; k >= 0 && k < rows.length; k += dir) {
      if (rows[k].i !== undefined && items[rows[k].i].x) { showRow(k); return; }
    }
  }

  svg.addEventListener("click", function (e) {
    var g = e.target.closest ? e.target.closest("g.row") : null;
    if (g) show(+g.getAttribute("data-i"));
  });
  document.getElementById("close").addEventListener("click", function () {
    document.getElementById("detail").hidden = true; selected = -1; render();
  });
  document.getElementById("nextfail").addEventListener("click", function () { jumpFail(1); });
  document.getElementById("prevfail").addEventListener("click", function () { jumpFail(-1); });
  // rowStep is where a key moves the selected row: 1 down, -1 up, 0 for
  // a key that selects none (the arrows only on the focused diagram, which
  // elsewhere scroll the page).
  function rowStep(e) {
    if (e.key === "j") return 1;
    if (e.key === "k") return -1;
    if (e.target !== scroller) return 0;
    if (e.key === "ArrowDown") return 1;
    if (e.key === "ArrowUp") return -1;
    return 0;
  }
  document.addEventListener("keydown", function (e) {
    // Ctrl+P is the browser's print, not "previous failure".
    if (e.target === q || e.ctrlKey || e.metaKey || e.altKey) return;
    // Rows are drawn, not focusable: j/k (or the arrows on the focused
    // diagram) select one as a click does, so a keyboard opens any row.
    var step = rowStep(e);
    if (step) { e.preventDefault(); jump(step, function () { return true; }); }
    else if (e.key === "n") jumpFail(1);
    else if (e.key === "p") jumpFail(-1);
    else if (e.key === "Escape") { document.getElementById("detail").hidden = true; selected = -1; render(); }
    else if (e.key === "/") { e.preventDefault(); q.focus(); }
  });
  var qTimer = null;
  q.addEventListener("input", function () { clearTimeout(qTimer); qTimer = setTimeout(refilter, 120); });
  failOnly.addEventListener("change", refilter);
  scroller.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", function () { layout(); render(); });

  layout();
  refilter();
  failFromHash();
  document.body.setAttribute("data-ready", "true");
})();
