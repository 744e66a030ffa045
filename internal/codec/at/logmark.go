package at

import "strings"

// QueuedMark ends at.log's ">" line of a command line the host sent
// while the modem's previous command was still running (its final result
// not yet sent): the line is logged, with this mark, when it arrived,
// which may be before the running command's answer, and it runs — its
// answer comes — once that answer has gone (V.250 §5.6: the host should
// have waited). The emulated modem writes it; at.log's readers pair such
// a line with the answer after the running one's.
const QueuedMark = " (queued: a command runs)"

// CutQueued takes QueuedMark off an at.log command line; queued reports
// whether it was there.
func CutQueued(line string) (cmd string, queued bool) {
	return strings.CutSuffix(line, QueuedMark)
}
