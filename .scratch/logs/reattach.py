from mmlog import MM, epoch
t0 = epoch(2026, 3, 14, 9, 40, 0) + 0.218344
m = MM(t0)
m.t = t0
ORANGE = '"3A9B","0000C33D",7'
def poll_csq(v):
    m.cmd("AT+CSQ", "+CSQ: %s" % v)
m.note("inf", "[modem0] state changed (registered -> connected)")
m.cmd("AT+CEREG?", "+CEREG: 2,5," + ORANGE, dt=0.0003)
m.cmd("AT+COPS=3,2;+COPS?", '+COPS: 0,2,"20801",7', dt=0.0021)
m.cmd("AT+CSQ", "+CSQ: 23,99", dt=0.0019)
T_r = 252.311905
polls = [30 * k for k in range(1, 20)]
def until(t_rel):
    while polls and polls[0] < t_rel:
        m.at(t0 + polls.pop(0) + 0.0004)
        reg = state(m.t - t0)
        poll_csq("23,99" if reg else "99,99")
def state(rel):
    return rel < T_r or rel >= T_r + 32.4
until(T_r)
m.at(t0 + T_r)
m.urc("+CEREG: 0")
m.urc("+QUSIM: 1", dt=0.0001)
m.note("dbg", "[modem0] 3GPP registration state changed (roaming -> idle)")
m.note("inf", "[modem0] SIM refreshed: reloading identities")
m.cmd("AT+CPIN?", "+CPIN: READY", dt=0.0481)
m.cmd("AT+CIMI", "208100000604418", dt=0.0013)
m.cmd("AT+QCCID", "+QCCID: 89331000006044180016", dt=0.0012)
until(T_r + 2.4)
m.at(t0 + T_r + 2.4)
m.urc("+CEREG: 2")
m.note("dbg", "[modem0] 3GPP registration state changed (idle -> searching)")
until(T_r + 17.4)
m.at(t0 + T_r + 17.4)
m.urc("+CEREG: 0")
m.note("dbg", "[modem0] 3GPP registration state changed (searching -> idle)")
until(T_r + 30)
m.at(t0 + T_r + 30)
m.urc("+QUSIM: 1")
m.note("inf", "[modem0] SIM refreshed: reloading identities")
m.cmd("AT+CPIN?", "+CPIN: READY", dt=0.0477)
m.cmd("AT+CIMI", "460001203318890", dt=0.0013)
m.cmd("AT+QCCID", "+QCCID: 89860000120033188902", dt=0.0012)
until(T_r + 32.4)
m.at(t0 + T_r + 32.4)
m.urc("+CEREG: 5," + ORANGE)
m.note("dbg", "[modem0] 3GPP registration state changed (idle -> roaming)")
m.cmd("AT+COPS=3,2;+COPS?", '+COPS: 0,2,"20801",7', dt=0.0009)
until(T_r + 5 * 60)
m.write("../../fixtures/field/reattach-slower-than-wait/modemmanager.log")
