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

// URCMark ends at.log's "<" line of a line the host's AT client took for
// an unsolicited result code (27.007 §4.1), not for part of the answer of
// the command it awaited: a lab run's, lab record's and lab diff's at.log
// carry it, written by the client as it read the line. An emulated run's
// at.log, which the modem writes, has no such mark. ParseLogLine takes
// it off a "<" line's text (LogLine.URC), so every reader of at.log does;
// the timeline draws such a line as a URC even inside an answer.
const URCMark = " (unsolicited)"

// CutURC takes URCMark off an at.log "<" line's text; urc reports
// whether it was there.
func CutURC(line string) (text string, urc bool) {
	return strings.CutSuffix(line, URCMark)
}
