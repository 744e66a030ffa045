import json
from mmlog import ATLog, epoch
t0 = epoch(2026, 4, 7, 9, 0, 0) + 0.5
a = ATLog(t0)
VF = '"5A01","01B2C003",7'
O2 = '"1C07","0007A212",7'
CMCC_ICCID, CMCC_IMSI = "89860000130044180012", "460001300441800"
O2_ICCID, O2_IMSI = "8949077000400511208", "262070004005112"
a.note("spec: the card's own roaming check (lab field trial, unit FT-0417, DE)")
a.cmd("ATE0", echo=True)
a.cmd("AT+CMEE=2", dt=0.012)
a.cmd("AT+CEREG=2", dt=0.009)
a.cmd("AT+CEREG?", "+CEREG: 2,5," + VF, dt=0.008)
a.cmd("AT+COPS?", '+COPS: 0,2,"26202",7', dt=0.009)
a.cmd("AT+CSQ", "+CSQ: 18,99", dt=0.008)
a.cmd("AT+CICCID", "+ICCID: " + CMCC_ICCID, dt=0.010)
a.cmd("AT+CIMI", CMCC_IMSI, dt=0.009)
switch = 2 * 3600 + 12 * 60 + 4.31 - 0.5
def poll(k, on_o2):
    a.t = t0 + k * 600
    a.note("poll %d" % k)
    if on_o2:
        a.cmd("AT+CEREG?", "+CEREG: 2,1," + O2, dt=0.0002)
        a.cmd("AT+COPS?", '+COPS: 0,2,"26207",7', dt=0.008)
        a.cmd("AT+CSQ", "+CSQ: 22,99", dt=0.008)
    else:
        a.cmd("AT+CEREG?", "+CEREG: 2,5," + VF, dt=0.0002)
        a.cmd("AT+COPS?", '+COPS: 0,2,"26202",7', dt=0.008)
        a.cmd("AT+CSQ", "+CSQ: 18,99", dt=0.008)
for k in range(1, 17):
    if k * 600 > switch and not hasattr(a, "switched"):
        a.switched = True
        a.t = t0 + switch
        a.line("<", "+CEREG: 0")
        a.line("<", "+CPIN: READY", 0.0001)
        a.line("<", "+CEREG: 1," + O2, 2.15)
        a.cmd("AT+CICCID", "+ICCID: " + O2_ICCID, dt=0.35)
        a.cmd("AT+CIMI", O2_IMSI, dt=0.009)
    poll(k, k * 600 > switch)
a.write("../../fixtures/field/platform-timeout-keeps-roaming/at.log")

# The platform's request log, as its operator exported it.
eid = "89049032003860000000000004011632"
def body(**kw): return json.dumps(kw, separators=(",", ":"))
entries = []
def req(t, path, status, b, err=None):
    e = {"index": len(entries), "t": "2026-04-07T" + t + "Z", "method": "POST", "path": path, "status": status, "body": b, "body_size": len(b)}
    if err:
        e["error"] = err
    entries.append(e)
lst = body(eid=eid, iccid=CMCC_ICCID, home_plmn="46000", serving_plmn="26202", tac="5a01", cell_id="01b2c003", signal=[{"plmn": "26207", "rsrp": -97}, {"plmn": "26202", "rsrp": -105}])
for t in ["09:12:04.318", "09:42:04.318", "10:12:04.319", "10:42:04.318"]:
    req(t, "/v1/preferred-list", 504, lst, "upstream timeout: tariff service did not answer within 30s")
req("11:12:04.320", "/v1/preferred-list", 200, lst)
req("11:12:06.474", "/v1/notifications", 200, body(eid=eid, kind="attach-success", iccid=O2_ICCID, operator="o2-de", plmn="26207"))
with open("../../fixtures/field/platform-timeout-keeps-roaming/platform.jsonl", "w") as f:
    for e in entries:
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
