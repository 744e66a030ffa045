package record

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/textcut"
)

// Draft writes a personality YAML for the recorded modem: the recording's
// personality as its base, and the fields the conversation shows to differ
// (model, ICCID command and answer prefix, +CCHO answer form, missing
// +CCHC, missing "=?" forms), each with the at.log line it comes from. What
// the script did not exercise stays the base's, and the draft says so.
func Draft(rec *Recording, name string) (string, error) {
	base, err := personality.Load(rec.Manifest.Personality)
	if err != nil {
		return "", fmt.Errorf("draft: the recording's personality: %w", err)
	}
	if name == "" {
		name = base.Name + "-draft"
	}
	ex := parse(rec.Lines, func(s string) string { return s })
	var fields, notes []string
	seen := map[string]bool{}
	set := func(line int, field, value, why string) {
		if seen[field] { // the first occurrence speaks
			return
		}
		seen[field] = true
		fields = append(fields, fmt.Sprintf("%s: %s", field, value))
		notes = append(notes, fmt.Sprintf("# - %s: %s (at.log:%d)", field, why, line))
	}
	// answer returns the information lines and the final line after the
	// command at index i.
	answer := func(i int) (info []exchange, final exchange) {
		for k := i + 1; k < len(ex) && ex[k].raw[0] == '<'; k++ {
			t := strings.TrimSpace(ex[k].raw[1:])
			if t == "OK" || t == "ERROR" || strings.HasPrefix(t, "+CME ERROR") {
				return info, ex[k]
			}
			info = append(info, ex[k])
		}
		return info, exchange{}
	}
	// text is a line without its direction; "" for the final result a
	// command cut off by the recording's end never got.
	text := func(e exchange) string {
		if e.raw == "" {
			return ""
		}
		return strings.TrimSpace(e.raw[1:])
	}
	iccidLine := regexp.MustCompile(`^(.*?)"?(89\d{16,18})F?"?$`)
	// The first test form that tells whether the modem has test forms
	// speaks (personality.TestFormVerdicts: a refusal counts only for a
	// command that works).
	var conv []personality.Exchange
	var places []int // conv's exchanges' places in ex
	for i, e := range ex {
		if e.raw[0] == '>' {
			_, final := answer(i)
			conv = append(conv, personality.Exchange{Command: text(e), Final: text(final)})
			places = append(places, i)
		}
	}
	// The base's own ICCID command that read the ICCID leaves nothing to
	// draft: the script tries the others too, and some answer as well.
	baseReads := false
	for i, e := range ex {
		if e.raw[0] == '>' && strings.EqualFold(text(e), "AT"+base.ICCIDCommand) {
			info, final := answer(i)
			baseReads = baseReads || text(final) == "OK" && slices.ContainsFunc(info, func(l exchange) bool { return iccidLine.MatchString(text(l)) })
		}
	}
	// Every +CGLA refused while +CCHO opened a channel: the modem takes
	// the card only through +CSIM (cgla_refused, an FM350's).
	cglaRefused, cglaSeen, firstRefusal := true, false, exchange{}
	for i, e := range ex {
		if u := strings.ToUpper(text(e)); e.raw[0] == '>' && strings.HasPrefix(u, "AT+CGLA=") && !strings.HasSuffix(u, "=?") {
			_, final := answer(i)
			cglaSeen = true
			switch {
			case text(final) == "OK":
				cglaRefused = false
			case firstRefusal.raw == "":
				firstRefusal = final
			}
		}
	}
	if cglaSeen && cglaRefused && firstRefusal.raw != "" && text(firstRefusal) == "ERROR" && !base.CGLARefused {
		set(firstRefusal.line, "cgla_refused", "true", "every +CGLA answers ERROR")
	}
	// apduAnswer takes what a +CGLA or +CSIM answer shows (the one codec,
	// at.ParseHexAnswer): the space after the colon, the first answer
	// speaking, and a +CGLA that hands the card's 61xx or 6Cxx to the
	// host, which fetches the response in its own GET RESPONSE.
	apduAnswer := func(name string, info []exchange) {
		for _, l := range info {
			a, isAnswer, err := at.ParseHexAnswer(text(l), name)
			if !isAnswer || err != nil {
				continue
			}
			if !seen["apdu_answer_no_space"] {
				if noSpace := text(l)[len(name)+1] != ' '; noSpace != base.APDUAnswerNoSpace {
					set(l.line, "apdu_answer_no_space", strconv.FormatBool(noSpace), "the "+name+" answer "+strconv.Quote(textcut.Cut(text(l), 40)))
				} else {
					seen["apdu_answer_no_space"] = true
				}
			}
			sw := dialect.SW(a.Data)
			_, more := apdu.MoreData(sw)
			_, again := apdu.RepeatWithLe(sw)
			if name == "+CGLA" && (more || again) && !base.CGLAPasses61xx {
				set(l.line, "cgla_passes_61xx", "true", fmt.Sprintf("+CGLA hands the card's %04X to the host", sw))
			}
		}
	}
	testForm := -1 // in ex
	var verdict personality.TestFormVerdict
	if v := personality.TestFormVerdicts(conv); len(v) > 0 {
		testForm, verdict = places[v[0].Index], v[0]
	}
	for i, e := range ex {
		if e.raw[0] != '>' {
			continue
		}
		cmd := text(e)
		info, final := answer(i)
		ok := text(final) == "OK"
		upper := strings.ToUpper(cmd)
		switch {
		case i == testForm:
			if verdict.NoTestForms && !base.NoTestForms {
				set(final.line, "no_test_forms", "true", cmd+" answers "+text(final)+", "+verdict.Name+" itself answers OK")
			}
		case upper == identityCommand:
			// The check lab record's identity: passed (IdentityOf):
			// an echo, a URC or noise is never drafted as the model.
			if l, why := identityLine(ex, i); why == "" && text(l) != base.Model {
				set(l.line, "model", strconv.Quote(text(l)), "the +CGMM answer")
				set(l.line, "identify", fmt.Sprintf("[%s]", strconv.Quote(regexp.QuoteMeta(text(l)))), "matches the +CGMM answer")
			}
		case upper == "AT+CGMI":
			if l, why := identityLine(ex, i); why == "" && text(l) != cmp.Or(base.Manufacturer, "esimhil") {
				set(l.line, "manufacturer", strconv.Quote(text(l)), "the +CGMI answer")
			}
		case strings.HasPrefix(upper, "AT+CCHO=") && !strings.HasSuffix(upper, "=?"):
			if !ok {
				// Refused as a command the modem lacks; a refusal that
				// names the card (SIM not inserted) says nothing of it.
				if !base.CSIMOnly && at.Classify(text(final)).Refuses() {
					set(final.line, "csim_only", "true", "+CCHO answers "+text(final))
				}
				continue
			}
			for _, l := range info {
				_, form, ok := personality.ParseCCHO(text(l))
				if !ok {
					continue
				}
				if form != base.CCHOForm {
					set(l.line, "ccho_form", form, "the +CCHO answer "+strconv.Quote(text(l)))
				}
				if rest, prefixed := strings.CutPrefix(text(l), "+CCHO:"); prefixed && !seen["ccho_no_space"] {
					if noSpace := !strings.HasPrefix(rest, " "); noSpace != base.CCHONoSpace {
						set(l.line, "ccho_no_space", strconv.FormatBool(noSpace), "the +CCHO answer "+strconv.Quote(text(l)))
					} else {
						seen["ccho_no_space"] = true // the first answer speaks
					}
				}
			}
		case (strings.HasPrefix(upper, "AT+CGLA=") || strings.HasPrefix(upper, "AT+CSIM=")) && !strings.HasSuffix(upper, "=?") && ok:
			apduAnswer(upper[2:7], info)
		case strings.HasPrefix(upper, "AT+CCHC=") && !strings.HasSuffix(upper, "=?"):
			if !ok && text(final) == "ERROR" && !base.NoCCHC {
				set(final.line, "no_cchc", "true", "+CCHC answers ERROR")
			}
		case !baseReads && isICCIDCommand(upper):
			for _, l := range info {
				m := iccidLine.FindStringSubmatch(text(l))
				if m == nil || !ok {
					continue
				}
				// As sent: a read form keeps its "?" (AT!ICCID?).
				if c := strings.ToUpper(strings.TrimPrefix(cmd, cmd[:2])); c != base.ICCIDCommand {
					set(e.line, "iccid_command", strconv.Quote(c), "the command that read the ICCID")
				}
				if m[1] != base.ICCIDPrefix {
					set(l.line, "iccid_prefix", strconv.Quote(m[1]), "its answer")
				}
			}
		}
	}
	// The base's way to the card (+CSIM under csim_only, +CCHO
	// otherwise), every command of it refused: as a command the modem
	// lacks, under csim_only, the recording contradicts the base and
	// shows no other way (the +CCHO refusal's csim_only is drafted
	// above); for the card (SIM not inserted), it leaves the way
	// unexercised (outside tester t72: an A7600-like module that
	// refuses +CSIM with +CME ERROR: 4 was drafted csim_only).
	if refusal, ok := pathRefused(ex, base, answer, text); ok {
		switch r := at.Classify(text(refusal)); {
		case base.CSIMOnly && r.Refuses():
			other := ""
			for i, e := range ex {
				if u := strings.ToUpper(text(e)); e.raw[0] == '>' && (u == "AT+CCHO=?" || u == "AT+CGLA=?") {
					if _, final := answer(i); text(final) == "OK" {
						other = fmt.Sprintf("; it answered %s OK (at.log:%d), so it may have +CCHO/+CGLA", text(e), final.line)
						break
					}
				}
			}
			return "", fmt.Errorf("draft: %s reaches the card through +CSIM alone (csim_only), but the modem refused every +CSIM (at.log:%d: %s)%s: the recording shows no way to the card, and a draft on %s would say the opposite of the modem; record again with --personality generic (+CCHO/+CGLA)",
				base.Name, refusal.line, text(refusal), other, base.Name)
		case !r.Refuses():
			notes = append(notes, fmt.Sprintf("# Not exercised: the card (every %s answers %s, at.log:%d), so the base's way to it and its answer forms stay.", pathCommand(base), text(refusal), refusal.line))
		}
	}
	id := IdentityOf(rec.Lines)
	if !seen["model"] && id.Text == "" {
		// Said, not invented: the base's model stays.
		notes = append(notes, "# Not drafted: model and identify (the base's stay): "+id.Missing)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: drafted by `esimhil lab personality` from the recording %s\n", name, rec.Dir)
	fmt.Fprintf(&b, "# (modem %s, %s, recorded %s).\n", rec.Manifest.Modem, cmp.Or(id.Text, "identity unknown"), rec.Manifest.Recorded.Format("2006-01-02"))
	if len(fields) == 0 {
		b.WriteString("# The conversation shows no difference from the base.\n")
	}
	for _, n := range notes {
		b.WriteString(n + "\n")
	}
	b.WriteString("# Not exercised by the script, so the base's: boot and refresh URCs,\n# restart delay, +CMEE=2 wording, lab timeouts. Check them on the modem.\n")
	fmt.Fprintf(&b, "name: %s\nbase: %s\n", name, base.Name)
	for _, f := range fields {
		b.WriteString(f + "\n")
	}
	out := b.String()
	if _, err := personality.Parse(name+".yaml", []byte(out)); err != nil {
		return "", fmt.Errorf("draft does not parse (%w):\n%s", err, out)
	}
	return out, nil
}

func isICCIDCommand(upper string) bool {
	name, ok := strings.CutPrefix(strings.TrimSuffix(upper, "?"), "AT")
	return ok && slices.Contains(personality.ICCIDCommands, name)
}

// pathCommand is the command of base's way to the card: +CSIM under
// csim_only, +CCHO otherwise (the channel +CGLA then needs).
func pathCommand(base personality.Personality) string {
	if base.CSIMOnly {
		return "+CSIM"
	}
	return "+CCHO"
}

// pathRefused returns the first refusal when the recording sends the
// command of base's way to the card (pathCommand) and the modem answered
// none of them OK.
func pathRefused(ex []exchange, base personality.Personality, answer func(int) ([]exchange, exchange), text func(exchange) string) (exchange, bool) {
	cmd := "AT" + pathCommand(base) + "="
	var refusal exchange
	for i, e := range ex {
		u := strings.ToUpper(text(e))
		if e.raw[0] != '>' || !strings.HasPrefix(u, cmd) || strings.HasSuffix(u, "=?") {
			continue
		}
		switch _, final := answer(i); {
		case text(final) == "OK":
			return exchange{}, false
		case refusal.raw == "" && text(final) != "":
			refusal = final
		}
	}
	return refusal, refusal.raw != ""
}
