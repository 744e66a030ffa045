package timeline

import (
	"sort"
	"strings"
)

// Lane is one column of the diagram: an actor.
type Lane struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Sub is a second title line (what the actor is).
	Sub  string `json:"sub"`
	rank int
	pos  int // among lanes of one rank (SM-DP+s: the scenario's order)
}

// Lane IDs. An SM-DP+ lane is SMDPLane(operator).
const (
	LaneWorld    = "world"
	LaneHost     = "host"
	LaneModem    = "modem"
	LaneCard     = "card"
	LaneAPDU     = "apdu"
	LanePlatform = "platform"
	smdpPrefix   = "smdp:"
)

// laneOrder places the lanes left to right: the radio world, the host on
// the tty, the device (modem, card), then the servers the card reaches.
var laneOrder = map[string]Lane{
	LaneWorld:    {Title: "world", Sub: "radio, cells", rank: 0},
	LaneHost:     {Title: "host", Sub: "AT client", rank: 10},
	LaneModem:    {Title: "modem", Sub: "27.007, SIM Toolkit", rank: 20},
	LaneAPDU:     {Title: "card contacts", Sub: "APDUs (GSMTAP SIM)", rank: 25},
	LaneCard:     {Title: "card", Sub: "eUICC, applet", rank: 30},
	LanePlatform: {Title: "platform", Sub: "management API", rank: 40},
}

// smdpRank is where SM-DP+ lanes start; they follow in the order the
// scenario lists their operators (Run.SMDPOrder).
const smdpRank = 50

// coreLanes are on every page, even when nothing happened on them.
var coreLanes = []string{LaneWorld, LaneHost, LaneModem, LaneCard, LanePlatform}

// SMDPLane is the lane of one operator's SM-DP+.
func SMDPLane(operator string) string { return smdpPrefix + operator }

func laneFor(id string) Lane {
	if l, ok := laneOrder[id]; ok {
		l.ID = id
		return l
	}
	if op, ok := strings.CutPrefix(id, smdpPrefix); ok {
		return Lane{ID: id, Title: "SM-DP+ " + op, Sub: "ES9+", rank: smdpRank}
	}
	return Lane{ID: id, Title: id, rank: 90}
}

func sortLanes(ls []Lane) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].rank != ls[j].rank {
			return ls[i].rank < ls[j].rank
		}
		if ls[i].pos != ls[j].pos {
			return ls[i].pos < ls[j].pos
		}
		return ls[i].ID < ls[j].ID
	})
}

// actorLane maps an event log actor to its lane.
func actorLane(actor string) string {
	switch actor {
	case "euicc":
		return LaneCard
	case "modem":
		return LaneModem
	case "world":
		return LaneWorld
	case "platform":
		return LanePlatform
	case "harness":
		return LaneHost
	}
	return actor
}
