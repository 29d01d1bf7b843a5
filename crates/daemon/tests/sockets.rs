//! Idle and slow sockets on a real `tabcoind` with few file descriptors
//! (`ulimit -n 256`): 2,000 idle connections and a body sent a byte a
//! second do not take the API down; a well-behaved client is answered
//! within the header deadline, connections past the cap are told `busy`
//! in JSON, and the slow body is cut off with `body_timeout`.
#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

/// The status and JSON body of the answer on `stream` (0 if none).
fn answer(stream: &mut TcpStream) -> (u16, Value) {
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// `GET /api/chain` on a fresh connection.
fn chain(addr: SocketAddr) -> (u16, Value) {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return (0, Value::Null);
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let request = "GET /api/chain HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if s.write_all(request.as_bytes()).is_err() {
        return (0, Value::Null);
    }
    answer(&mut s)
}

#[test]
fn idle_and_slow_sockets_do_not_take_the_api_down() {
    let bin = env!("CARGO_BIN_EXE_tabcoind");
    let (mut node, api) = common::spawn(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n 256 && exec {bin} --net test --api 127.0.0.1:0 --relay ws://127.0.0.1:9/ws --max-connections 64 --api-timeout 2"
            )),
    );
    let addr: SocketAddr = api
        .trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|e| panic!("{api}: {e}"));
    // A body sent a byte a second.
    let mut slow = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/transact HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{{",
        common::TOKEN
    );
    let slow_started = Instant::now();
    let _ = slow.write_all(head.as_bytes());
    let sender = {
        let mut slow = slow.try_clone().unwrap_or_else(|e| panic!("{e}"));
        std::thread::spawn(move || {
            for _ in 0..30 {
                std::thread::sleep(Duration::from_secs(1));
                if slow.write_all(b" ").is_err() {
                    break;
                }
            }
        })
    };
    // Its answer, and when it came.
    let cut = std::thread::spawn(move || {
        let _ = slow.set_read_timeout(Some(Duration::from_secs(60)));
        let answer = answer(&mut slow);
        (answer, slow_started.elapsed())
    });
    // 2,000 connections that send nothing (as many as this process may
    // open, if fewer).
    let idle: Vec<TcpStream> = (0..2_000)
        .map_while(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok())
        .collect();
    assert!(idle.len() >= 500, "only {} sockets opened", idle.len());
    // A well-behaved client is answered once the idle ones' deadline has
    // passed; meanwhile it is told `busy` in JSON, or not let in.
    let started = Instant::now();
    let answered = loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the API stopped answering"
        );
        match chain(addr) {
            (200, body) => break body,
            (503, body) => assert_eq!(body["error"], "busy", "{body}"),
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(answered["height"], 0, "{answered}");
    // The slow body was cut off at its deadline, not after 60 s.
    let ((status, body), after) = cut.join().unwrap_or_else(|_| panic!("reader"));
    assert!(after < Duration::from_secs(15), "cut off after {after:?}");
    assert_eq!(status, 408, "{body}");
    assert_eq!(body["error"], "body_timeout", "{body}");
    // Every idle connection ended: told `busy` in JSON past the cap, or
    // closed at the header deadline.
    let opened = idle.len();
    let (mut busy, mut closed) = (0, 0);
    for mut s in idle {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut text = String::new();
        match s.read_to_string(&mut text) {
            Ok(_) if text.starts_with("HTTP/1.1 503") => {
                assert!(text.contains(r#""error":"busy""#), "{text}");
                busy += 1;
            }
            Ok(_) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            Err(e) => panic!("an idle connection is still open: {e}"),
        }
    }
    assert_eq!(busy + closed, opened);
    assert!(busy > 0, "connections past the cap were told busy");
    assert!(closed > 0, "idle connections within the cap were closed");
    assert_eq!(chain(addr).0, 200, "and the API still answers");
    let _ = sender.join();
    let _ = node.kill();
    let _ = node.wait();
}
