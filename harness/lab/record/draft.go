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
// (model, ICCID command and answer prefix and the ICCID's F filler,
// +CCHO answer form, missing +CCHC, missing "=?" forms), each with the
// at.log line it comes from. What the script did not exercise stays the
// base's, and the draft says so.
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
	answer := func(i int) (info []exchange, final exchange) { return answerIn(ex, i) }
	text := lineText
	iccidLine := regexp.MustCompile(`^(.*?)"?(89\d{16,18})([Ff]{0,2})"?$`)
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
	// The F filler after a 19-digit ICCID (iccid_filler), as the command
	// the draft reads the ICCID with prints it: the base's own, else the
	// first that answered (iccid_command below).
filler:
	for i, e := range ex {
		c := strings.ToUpper(text(e))
		if e.raw[0] != '>' || baseReads && c != "AT"+base.ICCIDCommand || !baseReads && !isICCIDCommand(c) {
			continue
		}
		info, final := answer(i)
		if text(final) != "OK" {
			continue
		}
		for _, l := range info {
			m := iccidLine.FindStringSubmatch(text(l))
			if m == nil {
				continue
			}
			if v := personality.FillerShown(m[2], m[3]); v != "" && v != cmp.Or(base.ICCIDFiller, personality.FillerStrip) {
				set(l.line, "iccid_filler", v, "the ICCID answer "+strconv.Quote(text(l)))
			}
			break filler
		}
	}
	// Every +CGLA refused with ERROR while +CCHO opened a channel, and a
	// +CSIM answered OK (here, or recorded again over it): the modem takes
	// the card only through +CSIM (cgla_refused, an FM350's). With no
	// +CSIM seen to work, cgla_refused would claim a way to the card the
	// recording never saw: the base's way refused, there is no draft
	// (below), and the refusal says what would make it cgla_refused.
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
	csim, csimLog := worked(ex, "AT+CSIM="), LogFile
	if csim.raw == "" && rec.Manifest.RetriedUnder != "" {
		csim, csimLog = worked(parse(rec.RetryLines, func(s string) string { return s }), "AT+CSIM="), RetryLogFile
	}
	cglaERROR := cglaSeen && cglaRefused && firstRefusal.raw != "" && text(firstRefusal) == "ERROR"
	if cglaERROR && csim.raw != "" && !base.CGLARefused {
		set(firstRefusal.line, "cgla_refused", "true", fmt.Sprintf("+CSIM answers OK (%s:%d), every +CGLA answers ERROR", csimLog, csim.line))
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
	// A vendor's restart the script sent (the default probe sends none):
	// answered OK it is the modem's, refused with ERROR it is not.
	restarts, restartAt, restartWhy := slices.Clone(base.VendorRestarts), 0, ""
	for i, e := range ex {
		if e.raw[0] != '>' {
			continue
		}
		cmd := text(e)
		info, final := answer(i)
		ok := text(final) == "OK"
		upper := strings.ToUpper(cmd)
		restart := at.VendorRestartLine(cmd) // parsed once: most lines are none
		switch {
		case restart != "":
			v := "AT" + restart
			switch has := slices.Contains(restarts, v); {
			case ok && !has:
				restarts = append(restarts, v)
			case text(final) == "ERROR" && has:
				restarts = slices.DeleteFunc(restarts, func(r string) bool { return r == v })
			default:
				continue
			}
			if restartAt == 0 {
				restartAt, restartWhy = final.line, v+" answers "+text(final)
			}
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
				continue // the way to the card, below
			}
			for _, l := range info {
				_, form, ok := personality.ParseCCHO(text(l))
				if !ok {
					continue
				}
				if form != base.CCHOForm {
					set(l.line, "ccho_form", form, "the +CCHO answer "+strconv.Quote(text(l)))
				}
				if noSpace, prefixed := personality.CCHONoSpaceOf(text(l)); prefixed && !seen["ccho_no_space"] {
					if noSpace != base.CCHONoSpace {
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
	if restartAt > 0 {
		q := make([]string, len(restarts))
		for i, r := range restarts {
			q[i] = strconv.Quote(r)
		}
		set(restartAt, "vendor_restarts", "["+strings.Join(q, ", ")+"]", restartWhy)
	}
	// The base's way to the card (+CSIM under csim_only, +CCHO and
	// +CGLA otherwise), every command of it refused. For the card (SIM
	// not inserted), the way is left unexercised. As a command the modem
	// lacks, the recording contradicts the base: a +CCHO refused drafts
	// csim_only only when a +CSIM in the recording worked, every +CGLA
	// refused with ERROR is cgla_refused (above), and with no way seen to
	// work there is no draft — any base asserts a way to the card
	// (outside tester t72: an A7600-like module that refuses +CSIM with
	// +CME ERROR: 4 was drafted csim_only; t83 F4: one that refuses
	// +CCHO too was drafted csim_only from the +CCHO refusal alone).
	if cmd, refusal, ok := wayRefused(ex, base); ok && !(cmd == "+CGLA" && seen["cgla_refused"]) {
		csim := worked(ex, "AT+CSIM=")
		switch r := at.Classify(text(refusal)); {
		case cmd == "+CGLA" && cglaERROR && r.Refuses() && rec.Manifest.RetriedUnder == "":
			return "", fmt.Errorf("%w; every +CGLA answering ERROR on a channel +CCHO opened is drafted cgla_refused (an FM350's: only +CSIM reaches the card) once a +CSIM is seen to answer OK, here or recorded again over it", noWay(rec, base, cmd, refusal))
		case !r.Refuses():
			notes = append(notes, fmt.Sprintf("# Not exercised: the card (every %s answers %s, at.log:%d), so the base's way to it and its answer forms stay.", cmd, text(refusal), refusal.line))
		case cmd == "+CCHO" && csim.raw != "":
			set(csim.line, "csim_only", "true", fmt.Sprintf("+CCHO answers %s (at.log:%d), +CSIM answers OK", text(refusal), refusal.line))
		default:
			return "", noWay(rec, base, cmd, refusal)
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

// answerIn returns the information lines and the final line after the
// command at index i of ex.
func answerIn(ex []exchange, i int) (info []exchange, final exchange) {
	for k := i + 1; k < len(ex) && ex[k].raw[0] == '<'; k++ {
		t := strings.TrimSpace(ex[k].raw[1:])
		if t == "OK" || t == "ERROR" || strings.HasPrefix(t, "+CME ERROR") {
			return info, ex[k]
		}
		if ex[k].urc {
			continue // the client's URC, no answer line
		}
		info = append(info, ex[k])
	}
	return info, exchange{}
}

// lineText is a line without its direction; "" for the final result a
// command cut off by the recording's end never got.
func lineText(e exchange) string {
	if e.raw == "" {
		return ""
	}
	return strings.TrimSpace(e.raw[1:])
}

// worked returns the final OK of the first command (not its "=?" form)
// starting with prefix ("AT+CSIM=") that the modem answered OK.
func worked(ex []exchange, prefix string) exchange {
	for i, e := range ex {
		if u := strings.ToUpper(lineText(e)); e.raw[0] == '>' && strings.HasPrefix(u, prefix) && !strings.HasSuffix(u, "=?") {
			if _, final := answerIn(ex, i); lineText(final) == "OK" {
				return final
			}
		}
	}
	return exchange{}
}

// noWay is Draft's refusal of a recording in which the modem refused
// every command of base's way to the card as one it lacks (refusal),
// with no other way seen to work: what the other way gave, where the
// recording says, and what to do — record over it when it was not tried,
// nothing more when it was refused too.
func noWay(rec *Recording, base personality.Personality, cmd string, refusal exchange) error {
	way, alone := "+CCHO/+CGLA", ", and no +CSIM in the recording worked"
	if base.CSIMOnly {
		way, alone = "+CSIM alone (csim_only)", ""
	}
	msg := fmt.Sprintf("draft: %s reaches the card through %s, but the modem refused every %s (%s:%d: %s)%s",
		base.Name, way, cmd, LogFile, refusal.line, lineText(refusal), alone)
	other, err := OtherWayOf(base)
	if err != nil {
		return fmt.Errorf("%s; %w", msg, err)
	}
	const none = ": the recording shows no way to the card, and a draft would assert one the modem refuses or was never seen to take"
	if under := rec.Manifest.RetriedUnder; under != "" {
		// Recorded again over the other way: its own refusal speaks.
		q, err := personality.Load(under)
		if err != nil {
			return fmt.Errorf("%s; recorded again under %s (%s): %w", msg, under, RetryLogFile, err)
		}
		rcmd, again, refused := wayRefused(parse(rec.RetryLines, func(s string) string { return s }), q)
		if refused && at.Classify(lineText(again)).Refuses() {
			return fmt.Errorf("%s; recorded again under %s, it refused every %s too (%s:%d: %s): neither way reaches the card, and a draft on either would assert one the modem refuses, so none is drafted: see whether the module gives the host the card at all (its firmware, its SIM settings) and whether the card answers",
				msg, under, rcmd, RetryLogFile, again.line, lineText(again))
		}
		return fmt.Errorf("%s; recorded again under %s, %s (%s)%s; record again with --personality %s (%s)", msg, under, rec.Manifest.Retried, RetryLogFile, none, under, other.Name)
	}
	// Not recorded over the other way: advised only when the recording
	// shows the modem may have it, as lab record advises.
	switch test, final, line, sent := other.TestAnswered(rec.Lines); {
	case sent && final == "OK":
		return fmt.Errorf("%s; it answered %s OK (%s:%d), so it may have %s%s; record again with --personality %s (%s)",
			msg, test, LogFile, line, other.Name, none, other.Personality.Name, other.Name)
	case sent:
		return fmt.Errorf("%s; it answered %s %s (%s:%d)%s", msg, test, cmp.Or(final, "nothing"), LogFile, line, none)
	}
	return fmt.Errorf("%s%s; whether the modem has %s, the recording does not show (lab record's # warning: at the end of %s says what it found)", msg, none, other.Name, LogFile)
}

func isICCIDCommand(upper string) bool {
	name, ok := strings.CutPrefix(strings.TrimSuffix(upper, "?"), "AT")
	return ok && slices.Contains(personality.ICCIDCommands, name)
}

// wayRefused returns the first refusal of base's way to the card when
// the recording sends its commands and the modem answered none of them
// OK: every +CSIM under csim_only; otherwise every +CCHO, or every +CGLA
// on the channels +CCHO opened. cmd names the command refused.
func wayRefused(ex []exchange, base personality.Personality) (cmd string, refusal exchange, ok bool) {
	if base.CSIMOnly {
		refusal, ok = refusedAll(ex, "+CSIM")
		return "+CSIM", refusal, ok
	}
	if refusal, ok = refusedAll(ex, "+CCHO"); ok {
		return "+CCHO", refusal, ok
	}
	refusal, ok = refusedAll(ex, "+CGLA")
	return "+CGLA", refusal, ok
}

// refusedAll returns the first refusal when the recording sends the set
// form of cmd ("+CCHO") and the modem answered none of them OK.
func refusedAll(ex []exchange, cmd string) (exchange, bool) {
	prefix := "AT" + cmd + "="
	var refusal exchange
	for i, e := range ex {
		u := strings.ToUpper(lineText(e))
		if e.raw[0] != '>' || !strings.HasPrefix(u, prefix) || strings.HasSuffix(u, "=?") {
			continue
		}
		switch _, final := answerIn(ex, i); {
		case lineText(final) == "OK":
			return exchange{}, false
		case refusal.raw == "" && lineText(final) != "":
			refusal = final
		}
	}
	return refusal, refusal.raw != ""
}
