package pgtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CPUTime is the CPU time (user and system) the running server has used:
// the postmaster's, its exited processes' and its live processes' (the
// backends serving the connections), read from Linux's /proc; 0 where
// that is unknown or the server is stopped. Benchmarks report it per
// operation, a figure that stays put on a shared machine.
func (s *Server) CPUTime() time.Duration {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return 0
	}
	pid := cmd.Process.Pid
	f, ok := procStat(strconv.Itoa(pid))
	if !ok {
		return 0
	}
	ticks := f[13] + f[14] + f[15] + f[16] // utime stime cutime cstime
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if c, ok := procStat(filepath.Base(d)); ok && c[3] == int64(pid) {
			ticks += c[13] + c[14]
		}
	}
	// /proc counts in USER_HZ, 100 a second on every Linux.
	return time.Duration(ticks) * (time.Second / 100)
}

// procStat reads /proc/PID/stat's numeric fields, indexed as proc(5)
// numbers them less one (field 4, the parent's pid, is [3]).
func procStat(pid string) ([]int64, bool) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil, false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return nil, false
	}
	out := make([]int64, 2, 20)
	for _, s := range strings.Fields(string(data[i+1:])) {
		n, _ := strconv.ParseInt(s, 10, 64)
		out = append(out, n)
		if len(out) == 20 {
			break
		}
	}
	return out, len(out) == 20
}
