import json
from mmlog import ATLog, epoch
t0 = epoch(2026, 5, 19, 7, 30, 0) + 0.2
a = ATLog(t0)
OR = '"2C11","00A3B104",7'
SFR = '"0B2E","0010E701",7'
CMCC_ICCID, CMCC_IMSI = "89860000140055190016", "460001400551900"
SFR_ICCID, SFR_IMSI = "89331000007055190019", "208100000705519"
a.note("spec: the card's own roaming check (lab field trial, unit FT-0522, Lyon)")
a.cmd("ATE0", echo=True)
a.cmd("AT+CMEE=2", dt=0.011)
a.cmd("AT+CEREG=2", dt=0.009)
a.cmd("AT+CEREG?", "+CEREG: 2,5," + OR, dt=0.008)
a.cmd("AT+COPS?", '+COPS: 0,2,"20801",7', dt=0.009)
a.cmd("AT+QCCID", "+QCCID: " + CMCC_ICCID, dt=0.010)
a.cmd("AT+CIMI", CMCC_IMSI, dt=0.009)
T_r = 21 * 60 + 37.25
cut = T_r + 2.4
back = cut + 95
state = {"switched": False, "cut": False}
def poll(k):
    a.t = t0 + k * 300
    a.note("poll %d" % k)
    if a.t - t0 < T_r:
        a.cmd("AT+CEREG?", "+CEREG: 2,5," + OR, dt=0.0002)
        a.cmd("AT+COPS?", '+COPS: 0,2,"20801",7', dt=0.008)
    else:
        a.cmd("AT+CEREG?", "+CEREG: 2,1," + SFR, dt=0.0002)
        a.cmd("AT+COPS?", '+COPS: 0,2,"20810",7', dt=0.008)
for k in range(1, 21):
    if k * 300 > T_r and not state["switched"]:
        state["switched"] = True
        a.t = t0 + T_r
        a.line("<", "+CEREG: 0")
        a.line("<", "+QUSIM: 1", 0.0001)
        a.cmd("AT+QCCID", "+QCCID: " + SFR_ICCID, dt=0.41)
        a.cmd("AT+CIMI", SFR_IMSI, dt=0.009)
        a.t = t0 + cut
        a.line("<", "+CEREG: 1," + SFR)
        a.note("port dropped (read /dev/ttyUSB2: input/output error); reopening, up to 2m0s", 0.0012)
        a.t = t0 + back
        a.note("port back")
        a.line("<", "RDY", 0.0008)
        a.line("<", "+CPIN: READY", 0.0006)
        a.note("re-init after the port came back", 0.6)
        a.cmd("ATE0", echo=True, dt=0.001)
        a.cmd("AT+CMEE=2", dt=0.011)
        a.cmd("AT+CEREG=2", dt=0.009)
        a.t = t0 + back + 2.4
        a.line("<", "+CEREG: 1," + SFR)
    poll(k)
a.write("../../fixtures/field/notification-lost-power-cut/at.log")
eid = "89049032003870000000000005228771"
lst = json.dumps(dict(eid=eid, iccid=CMCC_ICCID, home_plmn="46000", serving_plmn="20801", tac="2c11", cell_id="00a3b104",
                      signal=[{"plmn": "20801", "rsrp": -88}, {"plmn": "20810", "rsrp": -99}]), separators=(",", ":"))
e = {"index": 0, "t": "2026-05-19T07:51:37.450Z", "method": "POST", "path": "/v1/preferred-list", "status": 200, "body": lst, "body_size": len(lst)}
open("../../fixtures/field/notification-lost-power-cut/platform.jsonl", "w").write(json.dumps(e, separators=(",", ":")) + "\n")
