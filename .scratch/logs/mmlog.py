"""Helpers to write ModemManager debug logs (MM 1.22, --debug --log-timestamps,
through the journal) for the corpus."""
import calendar, time

class MM:
    def __init__(self, start, host="gw-1042", pid=731, port="ttyUSB2"):
        self.t = start          # epoch seconds (float)
        self.lines = []
        self.host, self.pid, self.port = host, pid, port
    def at(self, t):
        self.t = t
    def prefix(self):
        tm = time.gmtime(int(self.t))
        return time.strftime("%b %d %H:%M:%S", tm) + " %s ModemManager[%d]: " % (self.host, self.pid)
    def stamp(self):
        return "[%d.%06d]" % (int(self.t), round((self.t - int(self.t)) * 1e6) % 1000000)
    def esc(self, s):
        return s.replace("\r", "<CR>").replace("\n", "<LF>")
    def io(self, arrow, data, dt):
        self.t += dt
        self.lines.append(self.prefix() + "<dbg> %s [%s/at] %s '%s'" % (self.stamp(), self.port, arrow, self.esc(data)))
    def note(self, level, text, dt=0.0002):
        self.t += dt
        self.lines.append(self.prefix() + "<%s> %s %s" % (level, self.stamp(), text))
    def cmd(self, c, *answer, final="OK", dt=0.0, rt=0.0041):
        """a command and its answer in one read"""
        self.io("-->", c + "\r", dt)
        body = "".join("\r\n%s\r\n" % a for a in answer) + "\r\n%s\r\n" % final
        self.io("<--", body, rt)
    def urc(self, text, dt=0.0):
        self.io("<--", "\r\n%s\r\n" % text, dt)
    def write(self, path):
        open(path, "w").write("\n".join(self.lines) + "\n")

def epoch(y, mo, d, h, mi, s):
    return calendar.timegm((y, mo, d, h, mi, s))

def luhn(body):
    s = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return body + str((10 - s % 10) % 10)

class ATLog:
    """The harness's at.log of a lab run: RFC 3339 wall-clock times."""
    def __init__(self, start):
        self.t = start
        self.lines = []
    def stamp(self):
        frac = self.t - int(self.t)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(self.t))) + (".%09d" % round(frac * 1e9)).rstrip("0").rstrip(".") + "Z"
    def line(self, d, text, dt=0.0):
        self.t += dt
        self.lines.append("%s %s %s" % (self.stamp(), d, text))
    def cmd(self, c, *answer, final="OK", echo=False, dt=0.0):
        self.line(">", c, dt)
        if echo:
            self.line("<", c, 0.0004)
        for a in answer:
            self.line("<", a, 0.0011)
        self.line("<", final, 0.0003)
    def note(self, text, dt=0.0):
        self.line("#", text, dt)
    def write(self, path):
        open(path, "w").write("\n".join(self.lines) + "\n")
