package applet

// clone deep-copies s so that a Persist effect or State() result never
// aliases the applet's live state.
func (s State) clone() State {
	c := s
	c.Profiles = append([]Profile(nil), s.Profiles...)
	if s.List != nil {
		l := *s.List
		l.Operators = append([]ListOperator(nil), s.List.Operators...)
		c.List = &l
	}
	if s.Await != nil {
		w := *s.Await
		c.Await = &w
	}
	if s.DL != nil {
		d := *s.DL
		d.Segments = append([][]byte(nil), s.DL.Segments...)
		if s.DL.Profile != nil {
			pr := *s.DL.Profile
			d.Profile = &pr
		}
		c.DL = &d
	}
	if s.Cycle != nil {
		cy := *s.Cycle
		cy.Tried = append([]string(nil), s.Cycle.Tried...)
		if s.Cycle.Report != nil {
			r := *s.Cycle.Report
			cy.Report = &r
		}
		c.Cycle = &cy
	}
	c.Owed = append([]OwedNote(nil), s.Owed...)
	if s.Retry != nil {
		r := *s.Retry
		r.Seqs = append([]int(nil), s.Retry.Seqs...)
		c.Retry = &r
	}
	return c
}
