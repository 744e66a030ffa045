import json, time
from mmlog import epoch
t0 = epoch(2026, 8, 21, 10, 0, 0)
L = []
def pre(t):
    return time.strftime("%b %d %H:%M:%S", time.gmtime(int(t))).replace(" 0", "  ", 1) + " edge-07 ModemManager[640]: "
def io(t, arrow, data):
    L.append(pre(t) + "<debug> (ttyUSB2): %s '%s'" % (arrow, data.replace("\r", "<CR>").replace("\n", "<LF>")))
def cmd(t, c, *ans, final="OK", echo=False):
    io(t, "-->", c + "\r")
    body = (c + "\r") if echo else ""
    body += "".join("\r\n%s\r\n" % a for a in ans) + "\r\n%s\r\n" % final
    io(t, "<--", body)
def note(t, text):
    L.append(pre(t) + text)
MOV = '"2B0C","000A1D03",7'
ORE = '"6F02","0033F80A",7'
CMCC_IMSI = "460001700884100"
ORES_IMSI = "214030010884100"
note(t0, "<info>  ModemManager (version 1.10.8) starting in system bus...")
note(t0, "<info>  Modem /org/freedesktop/ModemManager1/Modem/0: state changed (registered -> connected)")
cmd(t0, "AT+CEREG?", "+CEREG: 2,5," + MOV)
cmd(t0, "AT+COPS=3,2;+COPS?", '+COPS: 0,2,"21407",7')
cmd(t0, "AT+CSQ", "+CSQ: 19,99")
reset = 9 * 60 + 47
for k in range(1, 40):
    rel = 30 * k
    t = t0 + rel
    if rel > reset and not L[-1].endswith("re-probe done"):
        if not any("AT+CFUN=1,1" in l for l in L):
            tr = t0 + reset
            note(tr, "<info>  Modem /org/freedesktop/ModemManager1/Modem/0: reset requested (mmcli --reset)")
            cmd(tr, "AT+CFUN=1,1")
            note(tr, "<info>  Modem /org/freedesktop/ModemManager1/Modem/0: state changed (connected -> disabled)")
            io(tr + 11, "<--", "\r\nRDY\r\n")
            tp = tr + 12
            note(tp, "<debug> (ttyUSB2) re-probing after reset")
            cmd(tp, "ATE0", echo=True)
            cmd(tp, "AT+CMEE=1")
            cmd(tp, "AT+CEREG=2")
            cmd(tp, "AT+CPIN?", "+CPIN: READY")
            cmd(tp, "AT+CIMI", ORES_IMSI)
            io(tr + 13, "<--", "\r\n+CEREG: 1,%s\r\n" % ORE)
            cmd(tr + 13, "AT+COPS=3,2;+COPS?", '+COPS: 0,2,"21403",7')
            note(tr + 13, "<info>  Modem /org/freedesktop/ModemManager1/Modem/0: 3GPP registration state changed (unknown -> home)")
        cmd(t, "AT+CEREG?", "+CEREG: 2,1," + ORE)
        cmd(t, "AT+CSQ", "+CSQ: 24,99")
    else:
        cmd(t, "AT+CEREG?", "+CEREG: 2,5," + MOV)
        cmd(t, "AT+CSQ", "+CSQ: 19,99")
open("../../fixtures/field/refresh-ignored-until-reset/modemmanager.log", "w").write("\n".join(L) + "\n")
eid = "89049032003820000000000000640271"
def req(i, t, path, body):
    b = json.dumps(body, separators=(",", ":"))
    return json.dumps({"index": i, "t": t, "method": "POST", "path": path, "status": 200, "body": b, "body_size": len(b)}, separators=(",", ":"))
with open("../../fixtures/field/refresh-ignored-until-reset/platform.jsonl", "w") as f:
    f.write(req(0, "2026-08-21T10:02:11.418Z", "/v1/preferred-list", dict(eid=eid, iccid="89860000170088410016", home_plmn="46000", serving_plmn="21407", tac="2b0c", cell_id="000a1d03", signal=[{"plmn": "21403", "rsrp": -89}, {"plmn": "21407", "rsrp": -99}])) + "\n")
    f.write(req(1, "2026-08-21T10:10:00.902Z", "/v1/notifications", dict(eid=eid, kind="attach-success", iccid="89340300001088410013", operator="orange-es", plmn="21403")) + "\n")
