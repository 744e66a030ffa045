// Package transcript holds the golden AT transcripts test: for every modem
// personality a scripted host drives an emulated rig (startup, ICCID,
// registration, GetEID, profile list, enable with refresh, re-attach) and the
// rig's at.log is compared byte for byte with
// fixtures/transcripts/<personality>.log. `go test ./harness/transcript
// -update` rewrites the files after an intended change of wire behaviour.
package transcript
