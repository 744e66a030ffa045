import json
from mmlog import MM, epoch
t0 = epoch(2026, 7, 8, 9, 0, 0) + 0.402
m = MM(t0, host="bus-0733", pid=902)
OR = '"1F40","01A2B3C4",7'
BY = '"5DC1","00C0FFEE",7'
CMCC_ICCID, CMCC_IMSI = "89860000160077310012", "460001600773100"
SFR_ICCID, SFR_IMSI = "89331000010077310011", "208100001007731"
BY_ICCID, BY_IMSI = "89332000011077310017", "208200001107731"
T = 4 * 60 + 10.2
def cesq(rel):
    if rel < T or T + 4.8 <= rel < T + 4.8:
        return "+CESQ: 99,99,255,255,16,49"      # Orange, -92 dBm
    if rel < T + 4.8:
        return "+CESQ: 99,99,255,255,255,255"
    return "+CESQ: 99,99,255,255,18,55"          # Bouygues, -86 dBm
m.note("inf", "[modem0] state changed (registered -> connected)")
m.cmd("AT+CEREG?", "+CEREG: 2,5," + OR, dt=0.0004)
m.cmd("AT+COPS=3,2;+COPS?", '+COPS: 0,2,"20801",7', dt=0.0019)
m.cmd("AT+CESQ", "+CESQ: 99,99,255,255,16,49", dt=0.0017)
polls = [30.0 * k for k in range(1, 21)]
def until(rel):
    while polls and polls[0] < rel:
        m.at(t0 + polls.pop(0) + 0.0003)
        m.cmd("AT+CESQ", cesq(m.t - t0))
def identities(imsi, iccid):
    m.note("inf", "[modem0] SIM refreshed: reloading identities")
    m.cmd("AT+CPIN?", "+CPIN: READY", dt=0.0483)
    m.cmd("AT+CIMI", imsi, dt=0.0012)
    m.cmd("AT+QCCID", "+QCCID: " + iccid, dt=0.0011)
until(T)
m.at(t0 + T)
m.urc("+CEREG: 0"); m.urc("+QUSIM: 1", dt=0.0001)
identities(SFR_IMSI, SFR_ICCID)
m.at(t0 + T + 2.4)
m.urc("+CEREG: 3," + OR)
m.urc("+CEREG: 0", dt=0.0001); m.urc("+QUSIM: 1", dt=0.0001)
identities(CMCC_IMSI, CMCC_ICCID)
m.at(t0 + T + 4.8)
m.urc("+CEREG: 5," + OR)
m.urc("+CEREG: 0", dt=0.0001); m.urc("+QUSIM: 1", dt=0.0001)
identities(BY_IMSI, BY_ICCID)
m.at(t0 + T + 7.2)
m.urc("+CEREG: 1," + BY)
m.note("dbg", "[modem0] 3GPP registration state changed (idle -> home)")
m.cmd("AT+COPS=3,2;+COPS?", '+COPS: 0,2,"20820",7', dt=0.0010)
until(T + 10 * 60)
m.write("../../fixtures/field/stale-signal-order/modemmanager.log")
eid = "89049032003810000000000009523160"
def req(i, t, path, body):
    b = json.dumps(body, separators=(",", ":"))
    return json.dumps({"index": i, "t": t, "method": "POST", "path": path, "status": 200, "body": b, "body_size": len(b)}, separators=(",", ":"))
with open("../../fixtures/field/stale-signal-order/platform.jsonl", "w") as f:
    # The card reports what it measured at 07:02 at the depot, not downtown.
    f.write(req(0, "2026-07-08T09:04:10.602Z", "/v1/preferred-list", dict(eid=eid, iccid=CMCC_ICCID, home_plmn="46000", serving_plmn="20801", tac="1f40", cell_id="01a2b3c4",
        signal=[{"plmn": "20810", "rsrp": -84}, {"plmn": "20801", "rsrp": -90}, {"plmn": "20820", "rsrp": -103}])) + "\n")
    f.write(req(1, "2026-07-08T09:04:17.802Z", "/v1/notifications", dict(eid=eid, kind="attach-success", iccid=BY_ICCID, operator="bouygues-fr", plmn="20820")) + "\n")
