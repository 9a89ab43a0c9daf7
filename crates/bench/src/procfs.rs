//! Finding the server process, its peak resident memory and its CPU time through /proc (Linux
//! only).
//!
//! The PID comes from `--server-pid`, or is discovered from the target port: the listening
//! socket (state `0A`) for that port is looked up in /proc/net/tcp and /proc/net/tcp6, then
//! /proc/*/fd is scanned for a descriptor that links to `socket:[INODE]`. Every failure just
//! yields `None`: the report then carries `null`.

use std::fs;
use std::path::Path;

/// TCP state `LISTEN` as written in /proc/net/tcp.
const TCP_LISTEN: u8 = 0x0A;

/// One parsed row of /proc/net/tcp or /proc/net/tcp6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpEntry {
    pub local_port: u16,
    pub state: u8,
    pub inode: u64,
}

/// Parses one row of /proc/net/tcp{,6}; `None` for the header or a malformed line.
///
/// Row layout: `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`,
/// where `local_address` is `HEXADDR:HEXPORT` and `st` is a hex state.
pub fn parse_tcp_line(line: &str) -> Option<TcpEntry> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 10 || !fields[0].ends_with(':') {
        return None;
    }
    let (_, port_hex) = fields[1].rsplit_once(':')?;
    let local_port = u16::from_str_radix(port_hex, 16).ok()?;
    let state = u8::from_str_radix(fields[3], 16).ok()?;
    let inode = fields[9].parse::<u64>().ok()?;
    Some(TcpEntry {
        local_port,
        state,
        inode,
    })
}

/// Inodes of the sockets listening on `port` in the given /proc/net/tcp{,6} contents.
pub fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .filter_map(parse_tcp_line)
        .filter(|e| e.local_port == port && e.state == TCP_LISTEN && e.inode != 0)
        .map(|e| e.inode)
        .collect()
}

/// `VmHWM` (peak resident set size) in KiB from the contents of /proc/PID/status.
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix("VmHWM:")?;
        let mut parts = rest.split_whitespace();
        let value = parts.next()?.parse::<u64>().ok()?;
        match parts.next() {
            Some("kB") | None => Some(value),
            Some(_) => None,
        }
    })
}

/// `VmRSS` (resident set size now) in KiB from the contents of /proc/PID/status.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix("VmRSS:")?;
        let mut parts = rest.split_whitespace();
        let value = parts.next()?.parse::<u64>().ok()?;
        matches!(parts.next(), Some("kB") | None).then_some(value)
    })
}

/// RSS of `pid` now, in KiB, if it can be read.
pub fn rss_kib(pid: u32) -> Option<u64> {
    parse_vm_rss(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Peak RSS of `pid` in KiB, if it can be read.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

/// Clock ticks per second of the times in /proc/PID/stat (`USER_HZ`: 100 on every Linux
/// architecture this runs on; reading `sysconf(_SC_CLK_TCK)` would need libc).
pub const CLOCK_TICKS_PER_SEC: u64 = 100;

/// `utime + stime` (user and system CPU time, in clock ticks) from the contents of
/// /proc/PID/stat. The command name (field 2) is in parentheses and may hold spaces or
/// parentheses itself, so fields are counted from the last `)`: utime and stime are fields 14
/// and 15, i.e. the 12th and 13th after it.
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime = fields.next()?.parse::<u64>().ok()?;
    let stime = fields.next()?.parse::<u64>().ok()?;
    Some(utime + stime)
}

/// CPU time used so far by `pid` (all its threads), in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    parse_stat_cpu_ticks(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Bytes `pid` has caused to be written to storage so far (`write_bytes` of `/proc/<pid>/io`:
/// for a SQLite server its WAL, checkpoints and logs). Needs the same user, or root.
pub fn write_bytes(pid: u32) -> Option<u64> {
    parse_write_bytes(&fs::read_to_string(format!("/proc/{pid}/io")).ok()?)
}

pub fn parse_write_bytes(io: &str) -> Option<u64> {
    io.lines()
        .find_map(|l| l.strip_prefix("write_bytes:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The PID of a process holding the socket listening on `port` on this machine, if any.
pub fn find_listening_pid(port: u16) -> Option<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = fs::read_to_string(table) {
            inodes.extend(listening_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let targets: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    let own_pid = std::process::id();

    let mut pids: Vec<u32> = fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own_pid)
        .collect();
    pids.sort_unstable();
    pids.into_iter()
        .find(|pid| process_holds_socket(Path::new(&format!("/proc/{pid}/fd")), &targets))
}

fn process_holds_socket(fd_dir: &Path, targets: &[String]) -> bool {
    let Ok(entries) = fs::read_dir(fd_dir) else {
        return false; // exited, or not ours to inspect
    };
    entries.filter_map(Result::ok).any(|fd| {
        fs::read_link(fd.path())
            .ok()
            .and_then(|link| link.to_str().map(|s| targets.iter().any(|t| t == s)))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   3: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
";

    const TCP6: &str = "\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn parses_write_bytes() {
        let io = "rchar: 10\nwchar: 20\nread_bytes: 4096\nwrite_bytes: 81920\ncancelled_write_bytes: 0\n";
        assert_eq!(parse_write_bytes(io), Some(81920));
        assert_eq!(parse_write_bytes("rchar: 1\n"), None);
    }

    #[test]
    fn parses_a_listening_row() {
        let line = TCP.lines().nth(1).expect("row");
        assert_eq!(
            parse_tcp_line(line),
            Some(TcpEntry {
                local_port: 8080,
                state: 0x0A,
                inode: 123456
            })
        );
    }

    #[test]
    fn skips_header_and_garbage() {
        assert_eq!(parse_tcp_line(TCP.lines().next().expect("header")), None);
        assert_eq!(parse_tcp_line(""), None);
        assert_eq!(parse_tcp_line("   0: zz:zz 0 0A"), None);
        assert_eq!(
            parse_tcp_line("   0: 0100007F:GGGG 00000000:0000 0A 0:0 0:0 0 0 0 1"),
            None
        );
    }

    #[test]
    fn finds_only_listening_sockets_on_the_port() {
        assert_eq!(listening_inodes(TCP, 8080), vec![123456]); // not the established one
        assert_eq!(listening_inodes(TCP, 22), vec![4242]);
        assert!(listening_inodes(TCP, 8081).is_empty()); // inode 0 is skipped
        assert!(listening_inodes(TCP, 9).is_empty());
        assert_eq!(listening_inodes(TCP6, 8080), vec![99999]);
    }

    #[test]
    fn parses_vm_hwm() {
        let status =
            "Name:\tnichoir\nVmPeak:\t  200000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   50000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(51234));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\tlots kB\n"), None);
        assert_eq!(parse_vm_rss(status), Some(50000));
        assert_eq!(parse_vm_rss("VmRSS:\t12 MB\n"), None);
    }

    #[test]
    fn parses_cpu_ticks_from_stat() {
        let stat = "4242 (nichoir (x) y) S 1 4242 4242 0 -1 4194560 1234 0 0 0 \
                    350 125 0 0 20 0 9 0 100 2000000 3000 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(475));
        assert_eq!(parse_stat_cpu_ticks("4242 (short) S 1 2"), None);
        assert_eq!(parse_stat_cpu_ticks("no parenthesis"), None);
        if Path::new("/proc/self/stat").exists() {
            assert!(cpu_ticks(std::process::id()).is_some());
        }
    }

    #[test]
    fn reads_our_own_peak_rss() {
        // /proc is there on the Linux machines this runs on.
        if Path::new("/proc/self/status").exists() {
            assert!(peak_rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
        }
    }

    #[test]
    fn discovers_a_listener_by_port() {
        if !Path::new("/proc/net/tcp").exists() {
            return;
        }
        // A listener in this very process: discovery skips our own PID, so it must find nothing
        // (or another process that happens to share the port, which cannot be: it is ours).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let text = fs::read_to_string("/proc/net/tcp").expect("read /proc/net/tcp");
        assert_eq!(listening_inodes(&text, port).len(), 1);
        assert_eq!(find_listening_pid(port), None);
    }
}
