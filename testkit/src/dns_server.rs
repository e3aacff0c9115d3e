//! An in-process authoritative DNS server on 127.0.0.1 for hermetic tests and benchmarks.
//!
//! It serves zone text (`name TYPE data` lines), counts every query by (name, type), and can
//! misbehave per name: drop queries (timeout), answer SERVFAIL, answer garbage, answer slowly,
//! or truncate UDP answers so the client must retry over TCP. It can also lie about every
//! name the way broken resolvers do ([`Lie`]).

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How the server treats queries for a name (and its sub-names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Never answer.
    Drop,
    /// Answer SERVFAIL.
    ServFail,
    /// Answer bytes that are not a DNS message.
    Garbage,
    /// Answer after a delay.
    Slow(Duration),
    /// Over UDP, answer with TC set and no records; over TCP, answer normally.
    Truncate,
}

/// How a lying server answers every query, whatever the zone holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lie {
    /// NXDOMAIN for every name (a sandbox without upstream, a captive portal).
    DenyAll,
    /// SERVFAIL for every query (an upstream that is down).
    ServFailAll,
    /// REFUSED for every query (a resolver that serves only its own clients).
    RefuseAll,
    /// `A 127.0.0.99` for every name, NODATA for other types (an ISP that rewrites NXDOMAIN to
    /// its search page). Nothing listens on 127.0.0.99: no probe leaves the machine.
    InventAll,
}

/// The address a [`Lie::InventAll`] server gives every name.
pub const INVENTED_A: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 99);

#[derive(Default)]
struct Zone {
    records: HashMap<(String, RecordType), Vec<RData>>,
    names: HashSet<String>,
    behaviors: Vec<(String, Behavior)>,
    lie: Option<Lie>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Zone {
    fn parse(text: &str) -> Zone {
        let mut z = Zone::default();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with(';'))
        {
            let mut it = line.splitn(3, char::is_whitespace);
            let (name, ty, data) = (
                it.next().unwrap(),
                it.next().unwrap(),
                it.next().unwrap_or("").trim(),
            );
            let name = key(name);
            let fq = |s: &str| Name::from_ascii(format!("{}.", s.trim_end_matches('.'))).unwrap();
            let (rt, rd) = match ty {
                "A" => (
                    RecordType::A,
                    RData::A(A(Ipv4Addr::from_str(data).unwrap())),
                ),
                "AAAA" => (
                    RecordType::AAAA,
                    RData::AAAA(AAAA(Ipv6Addr::from_str(data).unwrap())),
                ),
                "CNAME" => (RecordType::CNAME, RData::CNAME(CNAME(fq(data)))),
                "TXT" => (RecordType::TXT, RData::TXT(TXT::new(vec![data.to_owned()]))),
                "MX" => {
                    let (p, h) = data.split_once(' ').unwrap();
                    let ex = if h.trim() == "." {
                        Name::root()
                    } else {
                        fq(h.trim())
                    };
                    (RecordType::MX, RData::MX(MX::new(p.parse().unwrap(), ex)))
                }
                "BEHAVIOR" => {
                    let b = match data {
                        "drop" => Behavior::Drop,
                        "servfail" => Behavior::ServFail,
                        "garbage" => Behavior::Garbage,
                        "truncate" => Behavior::Truncate,
                        s if s.starts_with("slow") => {
                            Behavior::Slow(Duration::from_millis(s[4..].trim().parse().unwrap()))
                        }
                        other => panic!("unknown behavior {other}"),
                    };
                    z.behaviors.push((name, b));
                    continue;
                }
                other => panic!("unsupported type {other}"),
            };
            z.names.insert(name.clone());
            z.records.entry((name, rt)).or_default().push(rd);
        }
        z
    }

    fn behavior(&self, name: &str) -> Option<Behavior> {
        self.behaviors.iter().find_map(|(n, b)| {
            let sub = name.len() > n.len()
                && name.ends_with(n.as_str())
                && name.as_bytes()[name.len() - n.len() - 1] == b'.';
            (name == n || sub).then_some(*b)
        })
    }

    /// Answer records for (name, type), following CNAMEs for other types.
    fn answer(&self, name: &str, rt: RecordType, out: &mut Vec<Record>, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        let owner = Name::from_ascii(format!("{name}.")).unwrap();
        if let Some(rds) = self.records.get(&(name.to_owned(), rt)) {
            out.extend(
                rds.iter()
                    .map(|rd| Record::from_rdata(owner.clone(), 300, rd.clone())),
            );
            return true;
        }
        if rt != RecordType::CNAME
            && let Some(c) = self.records.get(&(name.to_owned(), RecordType::CNAME))
        {
            out.push(Record::from_rdata(owner, 300, c[0].clone()));
            if let RData::CNAME(t) = &c[0] {
                let target = key(&t.0.to_ascii());
                self.answer(&target, rt, out, depth + 1);
            }
            return true;
        }
        self.names.contains(name)
    }
}

/// A running test DNS server.
pub struct DnsServer {
    /// Where it listens (UDP and TCP, same port).
    pub addr: SocketAddr,
    counts: Arc<Mutex<HashMap<(String, RecordType), u64>>>,
}

impl DnsServer {
    /// Start serving `zone` on 127.0.0.1 (a fresh port).
    pub fn start(zone: &str) -> DnsServer {
        Self::serve(Zone::parse(zone))
    }

    /// Start a server on 127.0.0.1 that answers every query with `lie`.
    pub fn start_lying(lie: Lie) -> DnsServer {
        Self::serve(Zone {
            lie: Some(lie),
            ..Zone::default()
        })
    }

    fn serve(zone: Zone) -> DnsServer {
        let zone = Arc::new(zone);
        let counts: Arc<Mutex<HashMap<(String, RecordType), u64>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let c2 = counts.clone();
        crate::server_thread::spawn_runtime(move || async move {
            // Same port for UDP and TCP.
            let (udp, tcp) = loop {
                let s2 = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
                    .unwrap();
                let _ = s2.set_recv_buffer_size(4 << 20);
                s2.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
                    .unwrap();
                s2.set_nonblocking(true).unwrap();
                let std_udp: std::net::UdpSocket = s2.into();
                let udp = tokio::net::UdpSocket::from_std(std_udp).unwrap();
                let port = udp.local_addr().unwrap().port();
                if let Ok(tcp) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    break (udp, tcp);
                }
            };
            tx.send(udp.local_addr().unwrap()).unwrap();
            let udp = Arc::new(udp);
            let (z1, c1) = (zone.clone(), c2.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = tcp.accept().await else {
                        continue;
                    };
                    let (z, c) = (z1.clone(), c1.clone());
                    tokio::spawn(async move { serve_tcp(stream, z, c).await });
                }
            });
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                    continue;
                };
                let q = buf[..n].to_vec();
                // Answer inline unless the name is slow (keeps the server fast for benches).
                let slow = quick_question(&q).and_then(|(name, _)| {
                    matches!(zone.behavior(&name), Some(Behavior::Slow(_))).then_some(())
                });
                if slow.is_none() {
                    if let Some(resp) = respond(&q, &zone, &c2, true).await {
                        let _ = udp.send_to(&resp, peer).await;
                    }
                    continue;
                }
                let (z, c, u) = (zone.clone(), c2.clone(), udp.clone());
                tokio::spawn(async move {
                    if let Some(resp) = respond(&q, &z, &c, true).await {
                        let _ = u.send_to(&resp, peer).await;
                    }
                });
            }
        });
        let addr = rx.recv().unwrap();
        DnsServer { addr, counts }
    }

    /// Queries received for (name, type).
    pub fn count(&self, name: &str, rt: RecordType) -> u64 {
        self.counts
            .lock()
            .unwrap()
            .get(&(key(name), rt))
            .copied()
            .unwrap_or(0)
    }

    /// All queries received.
    pub fn total(&self) -> u64 {
        self.counts.lock().unwrap().values().sum()
    }

    /// The (name, type) pairs asked more than once.
    pub fn repeated(&self) -> Vec<(String, RecordType, u64)> {
        let mut v: Vec<_> = self
            .counts
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|((a, b), n)| (a.clone(), *b, *n))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// `--dns` argument for this server.
    pub fn arg(&self) -> String {
        self.addr.to_string()
    }
}

async fn serve_tcp(
    mut s: tokio::net::TcpStream,
    z: Arc<Zone>,
    c: Arc<Mutex<HashMap<(String, RecordType), u64>>>,
) {
    loop {
        let mut len = [0u8; 2];
        if s.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
        if s.read_exact(&mut q).await.is_err() {
            return;
        }
        if let Some(resp) = respond(&q, &z, &c, false).await {
            let mut framed = (resp.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&resp);
            if s.write_all(&framed).await.is_err() {
                return;
            }
        }
    }
}

/// The question of a raw query: lower-case name without the trailing dot, and type.
fn quick_question(q: &[u8]) -> Option<(String, RecordType)> {
    let mut i = 12;
    let mut name = String::new();
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(&String::from_utf8_lossy(q.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let t = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    Some((name, RecordType::from(t)))
}

thread_local! {
    /// Serialised answers by (name, type), with ID 0; patched per query.
    static ANSWERS: std::cell::RefCell<HashMap<(usize, String, RecordType), Vec<u8>>> =
        std::cell::RefCell::new(HashMap::new());
}

async fn respond(
    q: &[u8],
    z: &Zone,
    counts: &Mutex<HashMap<(String, RecordType), u64>>,
    udp: bool,
) -> Option<Vec<u8>> {
    if let Some(lie) = z.lie {
        let msg = Message::from_vec(q).ok()?;
        let query = msg.queries.first()?.clone();
        *counts
            .lock()
            .unwrap()
            .entry((key(&query.name().to_ascii()), query.query_type()))
            .or_default() += 1;
        let owner = query.name().clone();
        let rt = query.query_type();
        let mut resp = response_to(&msg, query);
        resp.metadata.authoritative = false;
        match lie {
            Lie::DenyAll => resp.metadata.response_code = ResponseCode::NXDomain,
            Lie::ServFailAll => resp.metadata.response_code = ResponseCode::ServFail,
            Lie::RefuseAll => resp.metadata.response_code = ResponseCode::Refused,
            Lie::InventAll if rt == RecordType::A => {
                resp.add_answer(Record::from_rdata(owner, 60, RData::A(A(INVENTED_A))));
            }
            Lie::InventAll => {}
        }
        return resp.to_vec().ok();
    }
    // Fast path: a well-behaved name, answered from a per-thread cache of serialised answers.
    if let Some((name, rt)) = quick_question(q)
        && z.behavior(&name).is_none()
        && q.len() >= 12
    {
        {
            let zid = z as *const Zone as usize;
            let cached = ANSWERS.with(|a| a.borrow().get(&(zid, name.clone(), rt)).cloned());
            let mut resp = match cached {
                Some(r) => r,
                None => {
                    let mut zeroed = q.to_vec();
                    zeroed[0] = 0;
                    zeroed[1] = 0;
                    let r = respond_full(&zeroed, z)?;
                    ANSWERS.with(|a| a.borrow_mut().insert((zid, name.clone(), rt), r.clone()));
                    r
                }
            };
            *counts.lock().unwrap().entry((name, rt)).or_default() += 1;
            resp[0] = q[0];
            resp[1] = q[1];
            return Some(resp);
        }
    }
    respond_slow(q, z, counts, udp).await
}

/// A response header echoing the query.
fn response_to(msg: &Message, query: hickory_proto::op::Query) -> Message {
    let mut resp = Message::new(msg.metadata.id, MessageType::Response, msg.metadata.op_code);
    resp.metadata.recursion_desired = msg.metadata.recursion_desired;
    resp.metadata.recursion_available = true;
    resp.metadata.authoritative = true;
    resp.add_query(query);
    resp
}

/// The zone's answer for (name, type), or NXDOMAIN.
fn add_answer(z: &Zone, name: &str, rt: RecordType, resp: &mut Message) {
    let mut answers = Vec::new();
    if z.answer(name, rt, &mut answers, 0) {
        resp.add_answers(answers);
    } else {
        resp.metadata.response_code = ResponseCode::NXDomain;
    }
}

/// Build the full answer for a well-behaved name (no counting).
fn respond_full(q: &[u8], z: &Zone) -> Option<Vec<u8>> {
    let msg = Message::from_vec(q).ok()?;
    let query = msg.queries.first()?.clone();
    let name = key(&query.name().to_ascii());
    let rt = query.query_type();
    let mut resp = response_to(&msg, query);
    add_answer(z, &name, rt, &mut resp);
    resp.to_vec().ok()
}

async fn respond_slow(
    q: &[u8],
    z: &Zone,
    counts: &Mutex<HashMap<(String, RecordType), u64>>,
    udp: bool,
) -> Option<Vec<u8>> {
    let msg = Message::from_vec(q).ok()?;
    let query = msg.queries.first()?.clone();
    let name = key(&query.name().to_ascii());
    let rt = query.query_type();
    if !(udp && matches!(z.behavior(&name), Some(Behavior::Truncate))) {
        *counts
            .lock()
            .unwrap()
            .entry((name.clone(), rt))
            .or_default() += 1;
    }
    let mut resp = response_to(&msg, query);
    match z.behavior(&name) {
        Some(Behavior::Drop) => return None,
        Some(Behavior::Garbage) => return Some(b"\x00\x01this is not DNS at all".to_vec()),
        Some(Behavior::ServFail) => {
            resp.metadata.response_code = ResponseCode::ServFail;
            return resp.to_vec().ok();
        }
        Some(Behavior::Slow(d)) => tokio::time::sleep(d).await,
        Some(Behavior::Truncate) if udp => {
            resp.metadata.truncation = true;
            return resp.to_vec().ok();
        }
        _ => {}
    }
    add_answer(z, &name, rt, &mut resp);
    resp.to_vec().ok()
}
