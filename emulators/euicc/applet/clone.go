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
	return c
}
