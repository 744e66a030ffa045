import time
from mmlog import epoch, luhn
t0 = epoch(2026, 6, 2, 14, 0, 0) + 0.120
L = []
def stamp(t):
    ms = int(round((t - int(t)) * 1000))
    return "[" + time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(t))) + ".%03d]" % ms
def tx(t, c): L.append("%s > %s" % (stamp(t), c))
def rx(t, c): L.append("%s < %s" % (stamp(t), c))
OR = '"0E1F","02C1A301",7'
VF = '"8A32","00F21C07",7'
CMCC = "460001500662010"
SFR = "208100000806620"
BYT = "208200000906620"
T = 17 * 60 + 42.41
events = []   # (time, kind, data)
def ev(t, text): events.append((t, text))
# The field card (applet 1.2): SFR, denied in Germany, back to China Mobile,
# then Bouygues - the French list, in Germany - denied, back again.
TK = '"4B10","0A7710E2",7'
ev(T, "+CEREG: 0"); ev(T + 0.0002, "+CPIN: READY")
ev(T + 2.0, "+CEREG: 3," + TK)
ev(T + 2.0001, "+CEREG: 0"); ev(T + 2.0002, "+CPIN: READY")
ev(T + 4.4, "+CEREG: 5," + VF)
ev(T + 4.4001, "+CEREG: 0"); ev(T + 4.4002, "+CPIN: READY")
ev(T + 6.8, "+CEREG: 3," + TK)
ev(T + 6.8001, "+CEREG: 0"); ev(T + 6.8002, "+CPIN: READY")
ev(T + 9.2, "+CEREG: 5," + VF)
def state(rel):
    """(stat read, cell, plmn, imsi) the modem would answer at rel"""
    if rel < T: return ("5", OR, "20801", CMCC)
    if rel < T + 9.2: return ("0", None, None, CMCC)
    return ("5", VF, "26202", CMCC)
def poll(rel):
    stat, cell, plmn, imsi = state(rel)
    t = t0 + rel
    tx(t, "AT+CEREG?")
    rx(t + 0.009, "+CEREG: 2,%s%s" % (stat, "," + cell if cell else ""))
    rx(t + 0.010, "OK")
    tx(t + 0.015, "AT+COPS?")
    rx(t + 0.024, '+COPS: 0,2,"%s",7' % plmn if plmn else "+COPS: 0")
    rx(t + 0.025, "OK")
    tx(t + 0.030, "AT+CIMI")
    rx(t + 0.039, imsi)
    rx(t + 0.040, "OK")
tx(t0, "AT+CEREG=2")
rx(t0 + 0.011, "OK")
out = []
polls = [60.0 * k for k in range(0, 29)]
polls[0] = 0.5
i = 0
for rel in polls:
    while i < len(events) and events[i][0] < rel:
        rx(t0 + events[i][0], events[i][1]); i += 1
    poll(rel)
open("../../fixtures/field/lists-crossing-border/tracker.log", "w").write("\n".join(L) + "\n")
print(luhn("8986000015006620100"), luhn("8933100000806620100"), luhn("8933200000906620100"))
