package applet

import (
	"fmt"
	"slices"
)

// legacyState is the applet's NVM format before the explicit modes
// (version 1, written without a version field): where the method stood
// was spread over request-id fields, a pending switch (await), a download
// and a cycle with an untyped phase. DecodeState reads it strictly and
// migrates it.
type legacyState struct {
	Profiles []struct {
		ICCID, Operator, HomePLMN string
		Enabled, Original         bool
	} `json:"profiles"`
	Original  string         `json:"original"`
	LastReqID int            `json:"last_req_id"`
	ListReq   int            `json:"list_req"`
	NotifyReq int            `json:"notify_req"`
	Enabling  string         `json:"enabling"`
	List      *PreferredList `json:"list"`
	Await     *struct {
		ICCID    string `json:"iccid"`
		Operator string `json:"operator"`
		PLMN     string `json:"plmn"`
		Attached bool   `json:"attached"`
		Booted   bool   `json:"booted"`
		Report   uint64 `json:"report"`
	} `json:"await"`
	LastES10    int    `json:"last_es10"`
	Serving     string `json:"serving"`
	PlatformSeq uint64 `json:"platform_seq"`
	DL          *struct {
		Operator   string   `json:"operator"`
		PLMN       string   `json:"plmn"`
		Step       string   `json:"step"`
		Req        int      `json:"req"`
		SMDP       string   `json:"smdp"`
		MatchingID string   `json:"matching_id"`
		Challenge  []byte   `json:"challenge"`
		TxID       string   `json:"transaction_id"`
		Segments   [][]byte `json:"segments"`
		Seg        int      `json:"seg"`
		PIR        []byte   `json:"pir"`
		Seq        int      `json:"seq"`
		Profile    *struct {
			ICCID, Operator, HomePLMN string
			Enabled, Original         bool
		} `json:"profile"`
		Failed string `json:"failed"`
	} `json:"download"`
	Owed []struct {
		Kind     string `json:"kind"`
		Operator string `json:"operator"`
		ICCID    string `json:"iccid"`
		PLMN     string `json:"plmn"`
		Report   uint64 `json:"report"`
		Seq      int    `json:"seq"`
		Req      int    `json:"req"`
	} `json:"owed"`
	Retry *struct {
		Step    string `json:"step"`
		Req     int    `json:"req"`
		Seqs    []int  `json:"seqs"`
		Address string `json:"address"`
		Kind    string `json:"kind"`
		ICCID   string `json:"iccid"`
	} `json:"retry"`
	Online        bool   `json:"online"`
	FlushDue      bool   `json:"flush_due"`
	LastReport    uint64 `json:"last_report"`
	CheckDeferred bool   `json:"check_deferred"`
	Cycle         *struct {
		ListID  string   `json:"list_id"`
		Next    int      `json:"next"`
		Current string   `json:"current"`
		Phase   string   `json:"phase"`
		Tried   []string `json:"tried"`
		Waiting bool     `json:"waiting"`
		Pending bool     `json:"pending"`
		Report  *struct {
			Kind     string `json:"kind"`
			ICCID    string `json:"iccid"`
			Operator string `json:"operator"`
			PLMN     string `json:"plmn"`
		} `json:"report"`
		Req int `json:"req"`
	} `json:"cycle"`
	Version int `json:"version"`
}

// migrate maps a version-1 state onto the modes. What was in flight died
// with the reset that precedes every restore (requests, the download's
// session, the notification retry); what was owed to the platform (owed
// notes, an attached switch not yet reported, a cycle's report) goes to
// the outbox; a switch awaiting its attach or a cycle falling back resumes
// in the matching mode, which the next Boot settles.
func (o legacyState) migrate() (State, error) {
	st := State{Version: StateVersion, Mode: ModeIdle, Home: o.Original, List: o.List,
		PlatformSeq: o.PlatformSeq, LastReport: o.LastReport, LastReq: max(o.LastReqID, o.LastES10)}
	for _, p := range o.Profiles {
		st.Profiles = append(st.Profiles, Profile{ICCID: p.ICCID, Operator: p.Operator, HomePLMN: p.HomePLMN, Enabled: p.Enabled, Original: p.Original})
		if st.Home == "" && p.Original {
			st.Home = p.ICCID
		}
	}
	note := func(n Note) {
		if n.Report == 0 || n.Report > st.LastReport {
			st.LastReport++
			n.Report = st.LastReport
		}
		if len(st.Outbox) < maxOutbox {
			st.Outbox = append(st.Outbox, n)
		}
	}
	for i, w := range o.Owed {
		switch w.Kind {
		case "", NoteDownloadSuccess:
			note(Note{Kind: NoteDownloadSuccess, Operator: w.Operator, ICCID: w.ICCID, Seq: w.Seq})
		case NoteAttachSuccess:
			note(Note{Kind: NoteAttachSuccess, Operator: w.Operator, ICCID: w.ICCID, PLMN: w.PLMN, Report: w.Report})
		default:
			return State{}, fmt.Errorf("owed[%d].kind: unknown %q", i, w.Kind)
		}
	}
	if w := o.Await; w != nil && w.Attached {
		note(Note{Kind: NoteAttachSuccess, Operator: w.Operator, ICCID: w.ICCID, PLMN: w.PLMN, Report: w.Report})
	}
	if c := o.Cycle; c != nil && c.Report != nil {
		switch c.Report.Kind {
		case NoteAttachFailure, NoteListExhausted:
			note(Note{Kind: c.Report.Kind, Operator: c.Report.Operator, ICCID: c.Report.ICCID, PLMN: c.Report.PLMN})
		default:
			return State{}, fmt.Errorf("cycle.report.kind: unknown %q", c.Report.Kind)
		}
	}

	// The mode.
	cy := &Cycle{Trigger: TriggerList, Serving: o.Serving, Area: mcc(o.Serving), Original: o.Original}
	if o.List != nil {
		cy.ListID, cy.Ops = o.List.ListID, append([]ListOperator(nil), o.List.Operators...)
	}
	cy.Next = len(cy.Ops)
	if c := o.Cycle; c != nil {
		if c.Next < 0 || c.Next > len(cy.Ops) {
			return State{}, fmt.Errorf("cycle.next: %d outside 0..%d", c.Next, len(cy.Ops))
		}
		cy.Next, cy.Current = c.Next, c.Current
		for _, id := range c.Tried {
			if slices.ContainsFunc(cy.Ops, func(x ListOperator) bool { return x.ID == id }) && !slices.Contains(cy.Tried, id) {
				cy.Tried = append(cy.Tried, id)
			}
		}
		cy.Attempts = len(cy.Tried)
	}
	switch {
	case o.Await != nil && !o.Await.Attached:
		st.Mode, cy.Target, cy.Current = ModeAttemptAwaitAttach, o.Await.ICCID, o.Await.Operator
	case o.DL != nil && o.Cycle != nil:
		st.Mode, cy.Current = ModeAttemptDownloading, o.DL.Operator
		cy.Download = &Download{Operator: o.DL.Operator, PLMN: o.DL.PLMN, Step: o.DL.Step, SMDP: o.DL.SMDP,
			MatchingID: o.DL.MatchingID, TxID: o.DL.TxID, Seq: o.DL.Seq, Failed: o.DL.Failed}
		if o.DL.Step == "platform-notif" {
			// The old last step (the platform's download-success) is the
			// outbox's now: the install happened.
			cy.Download.Step = dlNotifSent
		}
	case o.Enabling != "" && o.Cycle != nil && o.Cycle.Phase == "attempt":
		st.Mode, cy.Target = ModeAttemptEnabling, o.Enabling
	case o.Cycle != nil && o.Original != "":
		// Falling back, reporting, or between attempts: back on the
		// original first, as the old cycle did after a reset.
		st.Mode, cy.Target = ModeFallbackAwaitAttach, o.Original
	}
	if st.Mode != ModeIdle {
		if cy.Current == "" && !st.Mode.fallback() {
			cy.Current = "unknown"
		}
		if cy.Current != "" && !slices.Contains(cy.Tried, cy.Current) &&
			slices.ContainsFunc(cy.Ops, func(x ListOperator) bool { return x.ID == cy.Current }) {
			cy.Tried = append(cy.Tried, cy.Current)
			cy.Attempts = len(cy.Tried)
		}
		st.Cycle = cy
	}
	return st, nil
}
