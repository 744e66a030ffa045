// Package platform emulates the third-party management platform of the seed
// patent: it answers the card's preferred-list requests for the area it roams
// in (claims 1 and 5), checks and forwards its download requests to the
// operator's SM-DP+ (claims 2 and 4), and sinks its notifications (claims 2
// and 3). Card requests are signed with the eUICC key (auth.go). It is a
// plain http.Handler with scenario-setting methods, served over real TCP on a
// loopback address. The wire API is documented in docs/platform-api.md.
package platform
