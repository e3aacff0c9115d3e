//! A lean DNS stub transport for bulk lookups: hickory-proto messages over a few long-lived UDP
//! sockets per server (queries matched by ID and question), TCP when an answer is truncated,
//! per-query timeout and retries across servers.
//!
//! hickory-resolver opens a fresh UDP socket for every query (best practice for a general
//! resolver facing the internet); a list cleaner sending tens of thousands of queries to one
//! recursive resolver spends most of its time in those socket calls. Here each server gets
//! `SOCKETS` sockets on OS-chosen ports with random 16-bit IDs, and every answer must match the
//! ID, the question name, type and class, or it is dropped.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;

/// Sockets per server.
const SOCKETS: usize = 4;
/// Largest UDP answer we accept (EDNS0 payload size we advertise).
const UDP_PAYLOAD: u16 = 1232;

/// Why a query gave no records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub(super) enum Fail {
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no record of this type.
    NoData,
    /// No answer in time from any server.
    Timeout,
    /// SERVFAIL, another error code, or an answer we could not parse.
    ServFail,
    /// REFUSED (kept apart for the resolver's health; the stage treats it as SERVFAIL).
    Refused,
}

/// Waiters by query ID; the `u64` token says which query owns the entry (IDs are reused).
type Pending = Mutex<HashMap<u16, (u64, oneshot::Sender<Vec<u8>>)>>;

struct Sock {
    socket: Arc<UdpSocket>,
    pending: Arc<Pending>,
}

struct Server {
    addr: SocketAddr,
    socks: Vec<Sock>,
}

/// The transport: servers, their sockets and the retry policy.
pub(super) struct Transport {
    servers: Vec<Server>,
    timeout: Duration,
    retries: usize,
    next: AtomicUsize,
    ids: AtomicU64,
    seed: std::collections::hash_map::RandomState,
}

impl Transport {
    /// Open the sockets; call inside a tokio runtime context (it spawns the receivers).
    pub(super) fn new(
        addrs: &[SocketAddr],
        timeout: Duration,
        retries: usize,
    ) -> std::io::Result<Transport> {
        let mut servers = Vec::new();
        for &addr in addrs {
            let mut socks = Vec::new();
            for _ in 0..SOCKETS {
                let bind: SocketAddr = if addr.is_ipv4() {
                    "0.0.0.0:0".parse().expect("v4")
                } else {
                    "[::]:0".parse().expect("v6")
                };
                let domain = if addr.is_ipv4() {
                    socket2::Domain::IPV4
                } else {
                    socket2::Domain::IPV6
                };
                let s2 = socket2::Socket::new(domain, socket2::Type::DGRAM, None)?;
                // Room for a burst of answers (the kernel caps it at net.core.rmem_max).
                let _ = s2.set_recv_buffer_size(4 << 20);
                s2.bind(&bind.into())?;
                s2.connect(&addr.into())?;
                s2.set_nonblocking(true)?;
                let std_sock: std::net::UdpSocket = s2.into();
                let socket = Arc::new(UdpSocket::from_std(std_sock)?);
                let pending: Arc<Pending> = Arc::default();
                tokio::spawn(receive(socket.clone(), pending.clone()));
                socks.push(Sock { socket, pending });
            }
            servers.push(Server { addr, socks });
        }
        Ok(Transport {
            servers,
            timeout,
            retries,
            next: AtomicUsize::new(0),
            ids: AtomicU64::new(0),
            seed: std::collections::hash_map::RandomState::new(),
        })
    }

    fn random_id(&self) -> u16 {
        let mut h = self.seed.build_hasher();
        h.write_u64(self.ids.fetch_add(1, Ordering::Relaxed));
        h.finish() as u16
    }

    /// Ask for `name` (FQDN) `rtype`; the answer section's data on success.
    pub(super) async fn query(&self, name: &Name, rtype: RecordType) -> Result<Vec<RData>, Fail> {
        self.query_ad(name, rtype).await.map(|(data, _)| data)
    }

    /// Like `query`, with the answer's AD ("authenticated data", RFC 4035 3.2.3) bit: true when
    /// the resolver says it validated the answer with DNSSEC.
    pub(super) async fn query_ad(
        &self,
        name: &Name,
        rtype: RecordType,
    ) -> Result<(Vec<RData>, bool), Fail> {
        if self.servers.is_empty() {
            return Err(Fail::Timeout);
        }
        let mut last = Fail::Timeout;
        for attempt in 0..=self.retries {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            let server = &self.servers[(n + attempt) % self.servers.len()];
            let sock = &server.socks[n % server.socks.len()];
            match self.once(server.addr, sock, name, rtype).await {
                Ok(m) => return classify(&m, rtype).map(|d| (d, m.metadata.authentic_data)),
                Err(f) => last = f,
            }
        }
        Err(last)
    }

    async fn once(
        &self,
        addr: SocketAddr,
        sock: &Sock,
        name: &Name,
        rtype: RecordType,
    ) -> Result<Message, Fail> {
        let (tx, rx) = oneshot::channel();
        let token = self.ids.fetch_add(1, Ordering::Relaxed);
        let id = {
            let mut p = sock.pending.lock().unwrap_or_else(|e| e.into_inner());
            let mut id = self.random_id();
            let mut tries = 0;
            while p.contains_key(&id) && tries < 16 {
                id = self.random_id();
                tries += 1;
            }
            if p.contains_key(&id) {
                return Err(Fail::Timeout);
            }
            p.insert(id, (token, tx));
            id
        };
        let forget = || {
            let mut p = sock.pending.lock().unwrap_or_else(|e| e.into_inner());
            if p.get(&id).is_some_and(|(t, _)| *t == token) {
                p.remove(&id);
            }
        };
        let mut q = Message::new(id, MessageType::Query, OpCode::Query);
        q.metadata.recursion_desired = true;
        // AD=1 asks a validating resolver to report whether it validated (RFC 6840 5.7).
        q.metadata.authentic_data = true;
        q.add_query(Query::query(name.clone(), rtype));
        let mut edns = Edns::new();
        edns.set_max_payload(UDP_PAYLOAD);
        q.set_edns(edns);
        let Ok(bytes) = q.to_vec() else {
            sock.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            return Err(Fail::ServFail);
        };
        let result = async {
            sock.socket.send(&bytes).await.map_err(|_| Fail::Timeout)?;
            let raw = rx.await.map_err(|_| Fail::Timeout)?;
            let m = Message::from_vec(&raw).map_err(|_| Fail::ServFail)?;
            if !same_question(&m, name, rtype) {
                return Err(Fail::ServFail);
            }
            if m.metadata.truncation {
                return tcp_query(addr, &bytes, name, rtype).await;
            }
            Ok(m)
        };
        let out = match tokio::time::timeout(self.timeout, result).await {
            Ok(r) => r,
            Err(_) => Err(Fail::Timeout),
        };
        forget();
        out
    }
}

/// Deliver answers to whoever waits for their ID; unmatched or malformed datagrams are dropped.
async fn receive(socket: Arc<UdpSocket>, pending: Arc<Pending>) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = match socket.recv(&mut buf).await {
            Ok(n) => n,
            Err(_) => {
                // ICMP errors (port unreachable) surface here; keep listening.
                tokio::time::sleep(Duration::from_millis(1)).await;
                continue;
            }
        };
        if n < 12 {
            continue;
        }
        let id = u16::from_be_bytes([buf[0], buf[1]]);
        let waiter = pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some((_, tx)) = waiter {
            let _ = tx.send(buf[..n].to_vec());
        }
    }
}

fn same_question(m: &Message, name: &Name, rtype: RecordType) -> bool {
    m.metadata.message_type == MessageType::Response
        && m.queries
            .first()
            .is_some_and(|q| q.query_type() == rtype && q.name() == name)
}

async fn tcp_query(
    addr: SocketAddr,
    bytes: &[u8],
    name: &Name,
    rtype: RecordType,
) -> Result<Message, Fail> {
    let mut s = TcpStream::connect(addr).await.map_err(|_| Fail::Timeout)?;
    let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(bytes);
    s.write_all(&framed).await.map_err(|_| Fail::Timeout)?;
    let mut len = [0u8; 2];
    s.read_exact(&mut len).await.map_err(|_| Fail::Timeout)?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut buf).await.map_err(|_| Fail::Timeout)?;
    let m = Message::from_vec(&buf).map_err(|_| Fail::ServFail)?;
    if !same_question(&m, name, rtype) {
        return Err(Fail::ServFail);
    }
    Ok(m)
}

fn classify(m: &Message, rtype: RecordType) -> Result<Vec<RData>, Fail> {
    match m.metadata.response_code {
        ResponseCode::NoError => {
            let data: Vec<RData> = m
                .answers
                .iter()
                .filter(|r| r.record_type() == rtype || r.record_type() == RecordType::CNAME)
                .map(|r| r.data.clone())
                .collect();
            if data.iter().any(|d| d.record_type() == rtype) {
                Ok(data)
            } else if data.is_empty() {
                Err(Fail::NoData)
            } else {
                // Only a CNAME: the target has no record of this type.
                Err(Fail::NoData)
            }
        }
        ResponseCode::NXDomain => Err(Fail::NxDomain),
        ResponseCode::Refused => Err(Fail::Refused),
        _ => Err(Fail::ServFail),
    }
}
