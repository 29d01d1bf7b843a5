//! The composition on its own (two or three rooms wired by hand) and on the
//! simulated network ([`Tabs`]).

use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame};

use tabcoin_protocol::identity::Identity;

use super::{In, Note, Out, Room, Told};
use crate::sim::tabs::Tabs;
use crate::wire::{self, Routed, Signal};

fn welcome(room: &mut Room, you: PeerId, peers: Vec<PeerId>, now: u64) -> Vec<Out> {
    room.handle(In::Frame(RelayFrame::Welcome { you, peers }), now)
}

fn dials(outs: &[Out]) -> Vec<u64> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Dial { serial } => Some(*serial),
            _ => None,
        })
        .collect()
}

fn relayed(outs: &[Out]) -> Vec<ClientFrame> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Relay(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn writes(outs: &[Out]) -> Vec<(u64, Vec<Vec<u8>>)> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Write { serial, pieces } => Some((*serial, pieces.clone())),
            _ => None,
        })
        .collect()
}

fn told(outs: &[Out]) -> Vec<Told> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Node(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Two rooms, 1 and 2, linked by hand through every step the browser
/// takes: 1 dials, its offer goes through the relay, 2 answers, the
/// answer comes back, both channels open and greet. Returns the rooms and
/// the links' serials (1's, 2's).
fn linked_pair() -> (Room, Room, u64, u64) {
    linked_as(1)
}

/// The same, the first room's id `one` (its key's, when it signs).
fn linked_as(one: PeerId) -> (Room, Room, u64, u64) {
    let mut a = Room::new("net".into(), true, 1);
    let mut b = Room::new("net".into(), true, 2);
    welcome(&mut b, 2, vec![], 0);
    let outs = welcome(&mut a, one, vec![2], 0);
    assert!(
        told(&outs).contains(&Told::Connected { peers: vec![2] }),
        "{outs:?}"
    );
    assert!(outs.contains(&Out::Note(Note::Joined {
        you: one,
        others: 1
    })));
    let sa = *dials(&outs).first().expect("a present tab is dialled");

    let outs = a.handle(
        In::Described {
            serial: sa,
            sdp: "offer".into(),
        },
        5,
    );
    let Ok([ClientFrame::Direct { to: 2, msg }]) = <[_; 1]>::try_from(relayed(&outs)) else {
        panic!("the offer goes through the relay: {outs:?}");
    };
    // A description completed twice is sent once.
    let again = a.handle(
        In::Described {
            serial: sa,
            sdp: "offer".into(),
        },
        6,
    );
    assert!(relayed(&again).is_empty());

    let outs = b.handle(In::Frame(RelayFrame::Deliver { from: one, msg }), 10);
    let sb = match outs.as_slice() {
        [Out::Answer { serial, offer }] if offer == "offer" => *serial,
        other => panic!("the offer is answered: {other:?}"),
    };
    let outs = b.handle(
        In::Described {
            serial: sb,
            sdp: "answer".into(),
        },
        15,
    );
    let Ok([ClientFrame::Direct { to, msg }]) = <[_; 1]>::try_from(relayed(&outs)) else {
        panic!("the answer goes through the relay: {outs:?}");
    };
    assert_eq!(to, one);
    let outs = a.handle(In::Frame(RelayFrame::Deliver { from: 2, msg }), 20);
    assert_eq!(
        outs,
        vec![Out::Answered {
            serial: sa,
            answer: "answer".into()
        }]
    );

    // Both open and say hello; each hears the other's.
    let hello_a = writes(&a.handle(In::Open { serial: sa }, 30));
    let hello_b = writes(&b.handle(In::Open { serial: sb }, 30));
    assert_eq!(hello_a.len(), 1);
    assert_eq!(hello_b.len(), 1);
    let outs = a.handle(
        In::Piece {
            serial: sa,
            piece: hello_b[0].1[0].clone(),
        },
        40,
    );
    assert!(told(&outs).contains(&Told::Linked(2)), "{outs:?}");
    assert!(outs.contains(&Out::Note(Note::LinkOpened(2))));
    let outs = b.handle(
        In::Piece {
            serial: sb,
            piece: hello_a[0].1[0].clone(),
        },
        40,
    );
    assert!(told(&outs).contains(&Told::Linked(one)), "{outs:?}");
    assert_eq!(a.up_links().collect::<Vec<_>>(), vec![2]);
    assert_eq!(b.up_links().collect::<Vec<_>>(), vec![one]);
    (a, b, sa, sb)
}

/// Feeds every piece written on `from`'s link to `to`'s link.
fn carry(outs: &[Out], to: &mut Room, serial: u64, now: u64) -> Vec<Out> {
    writes(outs)
        .into_iter()
        .flat_map(|(_, pieces)| pieces)
        .flat_map(|piece| to.handle(In::Piece { serial, piece }, now))
        .collect()
}

fn msg(text: &str) -> Payload {
    serde_json::from_str(text).expect("a JSON object")
}

#[test]
fn two_rooms_link_through_the_relay_and_carry_messages() {
    let (mut a, mut b, sa, sb) = linked_pair();
    // A message to the neighbour goes on the link, whole, not to the relay.
    let hi = msg(r#"{"type":"hi","n":1}"#);
    let outs = a.handle(
        In::Send {
            to: Some(2),
            msg: hi.clone(),
        },
        50,
    );
    assert!(relayed(&outs).is_empty(), "{outs:?}");
    let got = carry(&outs, &mut b, sb, 60);
    assert_eq!(told(&got), vec![Told::Message { from: 1, msg: hi }]);
    // Its own news goes to every neighbour and to the relay.
    let news = msg(r#"{"type":"news"}"#);
    let outs = a.handle(
        In::Send {
            to: None,
            msg: news.clone(),
        },
        70,
    );
    assert_eq!(
        relayed(&outs),
        vec![ClientFrame::Broadcast { msg: news.clone() }]
    );
    let got = carry(&outs, &mut b, sb, 80);
    assert_eq!(told(&got), vec![Told::Message { from: 1, msg: news }]);
    // A message larger than a piece arrives whole.
    let big = msg(&format!(
        r#"{{"pad":"{}"}}"#,
        "y".repeat(3 * wire::PIECE_BYTES)
    ));
    let outs = b.handle(
        In::Send {
            to: Some(1),
            msg: big.clone(),
        },
        90,
    );
    assert!(writes(&outs)[0].1.len() >= 4);
    let got = carry(&outs, &mut a, sa, 100);
    assert_eq!(told(&got), vec![Told::Message { from: 2, msg: big }]);
}

#[test]
fn a_neighbour_fetches_what_was_announced_and_is_served_once() {
    let (mut a, mut b, sa, sb) = linked_pair();
    // 2 passes on something from a third tab: it is announced to 1.
    let block = msg(r#"{"type":"block","n":7}"#);
    let outs = b.handle(
        In::PassOn {
            from: 3,
            msg: block.clone(),
        },
        50,
    );
    let asked = carry(&outs, &mut a, sa, 60);
    let fetch = wire::fetch(&wire::body_id(&block));
    assert_eq!(
        writes(&asked),
        vec![(sa, vec![fetch.clone()])],
        "1 fetches it"
    );
    let got = carry(&asked, &mut b, sb, 70);
    let body = carry(&got, &mut a, sa, 80);
    assert_eq!(
        told(&body),
        vec![Told::Message {
            from: 2,
            msg: block
        }]
    );
    // Asking again pulls nothing: each body is served once per link.
    let again = b.handle(
        In::Piece {
            serial: sb,
            piece: fetch,
        },
        90,
    );
    assert!(writes(&again).is_empty(), "{again:?}");
}

#[test]
fn a_banned_peer_is_unheard_and_its_link_dropped() {
    let (mut a, _b, sa, _) = linked_pair();
    let outs = a.handle(
        In::Ban {
            peer: 2,
            until: 10_000,
        },
        50,
    );
    assert!(outs.contains(&Out::Drop { serial: sa }), "{outs:?}");
    assert_eq!(a.up_links().count(), 0);
    // Through the relay it is not heard either, until the ban ends.
    let spam = msg(r#"{"type":"spam"}"#);
    let frame = |msg: &Payload| {
        In::Frame(RelayFrame::Deliver {
            from: 2,
            msg: msg.clone(),
        })
    };
    assert!(told(&a.handle(frame(&spam), 60)).is_empty());
    assert_eq!(
        told(&a.handle(frame(&spam), 10_001)),
        vec![Told::Message { from: 2, msg: spam }]
    );
}

#[test]
fn a_tab_welcomed_under_another_key_closes_the_links_of_its_old_one() {
    let (_a, mut b, _, sb) = linked_pair();
    // The relay restarted: 2 is welcomed under its own key's id again, and
    // its link stays.
    let outs = welcome(&mut b, 2, vec![], 100);
    assert!(!outs.contains(&Out::Drop { serial: sb }), "{outs:?}");
    assert_eq!(b.up_links().collect::<Vec<_>>(), vec![1]);
    // It had to take a new key (another tab had its old one): its links,
    // opened under the old name, close; nothing claims the old name.
    let outs = welcome(&mut b, 12, vec![], 200);
    assert!(outs.contains(&Out::Drop { serial: sb }), "{outs:?}");
    assert!(b.up_links().next().is_none());
    assert!(told(&outs).contains(&Told::PeerLeft(1)), "{outs:?}");
}

#[test]
fn a_silent_link_is_closed_and_the_node_told() {
    let (mut a, _b, sa, _) = linked_pair();
    // The relay is gone: 2 is reachable only through the link.
    let outs = a.handle(In::RelayLost, 1_000);
    assert_eq!(told(&outs), vec![Told::Disconnected, Told::PeerJoined(2)]);
    assert!(outs.contains(&Out::Note(Note::RelayLost)));
    // Pings go out while it is silent; after 20 s it is closed.
    let mut pinged = false;
    let mut closed = Vec::new();
    for s in 2..=25 {
        let outs = a.handle(In::Tick, s * 1_000);
        pinged |= writes(&outs)
            .iter()
            .any(|(_, p)| p == &vec![vec![wire::PING]]);
        closed.extend(outs);
    }
    assert!(pinged, "a quiet link is pinged");
    assert!(closed.contains(&Out::Drop { serial: sa }));
    assert!(closed.contains(&Out::Note(Note::LinkClosed {
        peer: 2,
        why: "silent".into()
    })));
    assert!(told(&closed).contains(&Told::PeerLeft(2)));
}

fn tab(seed: u8) -> Identity {
    Identity::from_parts([seed; 32], 0).expect("a valid secret")
}

/// 1 – 2 linked, the relay gone; 2 lists its neighbours, among them 3, and
/// 1 dials 3: what 1 does with its offer, described.
fn offer_to_3(identity: Option<Identity>) -> (Room, Room, u64, Vec<Out>) {
    let me = tab(1);
    let (mut a, mut b, sa, _) = linked_as(me.id());
    if let Some(identity) = identity {
        drop(a.handle(In::Identity(identity), 45));
    }
    drop(a.handle(In::RelayLost, 50));
    drop(b.handle(In::RelayLost, 50));
    let list = wire::neighbours(&[me.id(), 3]);
    let mut outs = a.handle(
        In::Piece {
            serial: sa,
            piece: list,
        },
        60,
    );
    for s in 1..=3 {
        outs.extend(a.handle(In::Tick, 60 + s * 1_000));
    }
    let Some(serial) = dials(&outs).first().copied() else {
        panic!("3 is dialled: {outs:?}");
    };
    let outs = a.handle(
        In::Described {
            serial,
            sdp: "o".into(),
        },
        4_000,
    );
    (a, b, sa, outs)
}

#[test]
fn without_the_relay_a_signal_goes_along_a_neighbour_signed() {
    let me = tab(1);
    let (_, _, sa, outs) = offer_to_3(Some(me.clone()));
    assert!(relayed(&outs).is_empty());
    let written = writes(&outs);
    assert_eq!(written.len(), 1, "routed along the link to 2: {outs:?}");
    assert_eq!(written[0].0, sa);
    let piece = &written[0].1[0];
    assert_eq!(piece[0], wire::ROUTED);
    let Ok(routed) = serde_json::from_slice::<Routed>(&piece[1..]) else {
        panic!("a routed signal: {written:?}");
    };
    assert_eq!((routed.from, routed.to), (me.id(), 3));
    assert!(routed.authentic(), "signed with 1's key");
}

#[test]
fn a_tab_without_its_key_routes_nothing_and_a_forgery_costs_the_neighbour_its_link() {
    // Without the key its id is derived from, nothing goes along links.
    let (mut a, _, sa, outs) = offer_to_3(None);
    assert!(writes(&outs).is_empty(), "{outs:?}");
    // A neighbour passing on a signal another key signed for 1's name.
    let forged = Routed {
        from: 3,
        ..Routed::signed(&tab(9), tab(1).id(), Signal::LinkRefuse)
    };
    let piece = forged.piece().expect("fits a piece");
    let outs = a.handle(In::Piece { serial: sa, piece }, 5_000);
    assert!(outs.contains(&Out::Drop { serial: sa }), "{outs:?}");
    assert!(outs.contains(&Out::Note(Note::LinkClosed {
        peer: 2,
        why: "it passed on a forged signal".into()
    })));
}

#[test]
fn the_same_browser_channel_carries_what_the_relay_cannot() {
    let mut a = Room::new("net".into(), true, 1);
    welcome(&mut a, 1, vec![], 0);
    let hi = msg(r#"{"type":"hi"}"#);
    let outs = a.handle(
        In::Local {
            from: 77,
            msg: hi.clone(),
        },
        10,
    );
    assert_eq!(
        told(&outs),
        vec![Told::Message {
            from: 77,
            msg: hi.clone()
        }]
    );
    assert_eq!(a.same_browser(), 1);
    // Answers to a tab of this browser go on the channel.
    let outs = a.handle(
        In::Send {
            to: Some(77),
            msg: hi.clone(),
        },
        20,
    );
    assert_eq!(
        outs,
        vec![Out::Local {
            to: Some(77),
            msg: hi.clone()
        }]
    );
    // News go to the relay while it is there, else on the channel.
    let outs = a.handle(
        In::Send {
            to: None,
            msg: hi.clone(),
        },
        30,
    );
    assert_eq!(
        relayed(&outs),
        vec![ClientFrame::Broadcast { msg: hi.clone() }]
    );
    drop(a.handle(In::RelayLost, 40));
    let outs = a.handle(
        In::Send {
            to: None,
            msg: hi.clone(),
        },
        50,
    );
    assert_eq!(outs, vec![Out::Local { to: None, msg: hi }]);
}

#[test]
fn an_unreadable_signal_is_told_and_not_taken() {
    let mut a = Room::new("net".into(), true, 1);
    welcome(&mut a, 1, vec![], 0);
    let bad = msg(r#"{"type":"link_offer"}"#);
    let outs = a.handle(In::Frame(RelayFrame::Deliver { from: 5, msg: bad }), 10);
    assert!(
        matches!(told(&outs).as_slice(), [Told::Undecodable { from: 5, .. }]),
        "{outs:?}"
    );
    assert!(dials(&outs).is_empty());
}

#[test]
fn without_direct_links_offers_go_unanswered() {
    let mut a = Room::new("net".into(), false, 1);
    let outs = welcome(&mut a, 1, vec![2, 3], 0);
    assert!(dials(&outs).is_empty());
    let offer = Signal::LinkOffer { sdp: "o".into() }.encode();
    let outs = a.handle(
        In::Frame(RelayFrame::Deliver {
            from: 2,
            msg: offer,
        }),
        10,
    );
    assert!(outs.is_empty(), "{outs:?}");
}

#[test]
fn sixty_simulated_tabs_link_up_and_every_block_reaches_all() {
    let mut tabs = Tabs::new(5);
    tabs.settle(60, 200);
    assert!(tabs.connected(), "the links join every tab");
    assert!(tabs.linked() >= 58, "{} of 60 linked", tabs.linked());
    for n in 0..5 {
        let miner = 1 + u64::from(n) * 11;
        tabs.mine(miner, n);
        tabs.run(tabs.now + 3_000);
    }
    // The relay is gone; blocks still reach everyone over the links.
    tabs.relay_dies();
    for n in 5..10 {
        let miner = 2 + u64::from(n) * 5;
        tabs.mine(miner, n);
        tabs.run(tabs.now + 3_000);
    }
    for (n, (_, times)) in &tabs.reached {
        assert_eq!(times.len(), 60, "block {n} reached {} tabs", times.len());
    }
    // Each tab took each body about once (its own news is pushed whole to
    // the miner's neighbours, the rest fetched once).
    let bodies: u32 = tabs.bodies.values().sum();
    let per = f64::from(bodies) / (59.0 * 10.0);
    assert!(per <= 1.05, "{per:.2} bodies per tab per block");
}

/// Two rooms with keys, linked through every step, their descriptions
/// naming DTLS fingerprints; the relay names the second `b_named` and
/// passes its answer through `on_the_way` (a relay in the middle may
/// replace it). What each did on hearing the other's handshake.
fn keyed_link(
    a_key: Identity,
    b_key: Identity,
    b_named: PeerId,
    on_the_way: impl Fn(String) -> String,
) -> (Vec<Out>, Vec<Out>) {
    let a_id = a_key.id();
    let mut a = Room::new("net".into(), true, 1);
    let mut b = Room::new("net".into(), true, 2);
    drop(a.handle(In::Identity(a_key), 0));
    drop(b.handle(In::Identity(b_key), 0));
    welcome(&mut b, b_named, vec![], 0);
    let sa = *dials(&welcome(&mut a, a_id, vec![b_named], 0))
        .first()
        .expect("dialled");
    let offer = "v=0\r\na=fingerprint:sha-256 AA:AA\r\n".to_owned();
    let outs = a.handle(
        In::Described {
            serial: sa,
            sdp: offer,
        },
        5,
    );
    let Some(ClientFrame::Direct { msg, .. }) = relayed(&outs).pop() else {
        panic!("an offer: {outs:?}");
    };
    let outs = b.handle(In::Frame(RelayFrame::Deliver { from: a_id, msg }), 10);
    let Some(Out::Answer { serial: sb, .. }) = outs.first().cloned() else {
        panic!("answered: {outs:?}");
    };
    let answer = "v=0\r\na=fingerprint:sha-256 BB:BB\r\n".to_owned();
    let outs = b.handle(
        In::Described {
            serial: sb,
            sdp: answer,
        },
        15,
    );
    let Some(ClientFrame::Direct { msg, .. }) = relayed(&outs).pop() else {
        panic!("an answer: {outs:?}");
    };
    let Some(Ok(Signal::LinkAnswer { sdp })) = Signal::read(&msg) else {
        panic!("an answer: {msg:?}");
    };
    let msg = Signal::LinkAnswer {
        sdp: on_the_way(sdp),
    }
    .encode();
    drop(a.handle(In::Frame(RelayFrame::Deliver { from: b_named, msg }), 20));
    let hello_a = writes(&a.handle(In::Open { serial: sa }, 30));
    let hello_b = writes(&b.handle(In::Open { serial: sb }, 30));
    let piece = |w: &[(u64, Vec<Vec<u8>>)]| w[0].1[0].clone();
    let heard_a = a.handle(
        In::Piece {
            serial: sa,
            piece: piece(&hello_b),
        },
        40,
    );
    let heard_b = b.handle(
        In::Piece {
            serial: sb,
            piece: piece(&hello_a),
        },
        40,
    );
    (heard_a, heard_b)
}

fn opened(outs: &[Out]) -> bool {
    outs.iter()
        .any(|o| matches!(o, Out::Note(Note::LinkOpened(_))))
}

fn refused_key(outs: &[Out]) -> bool {
    outs.iter().any(|o| {
        matches!(o, Out::Note(Note::LinkClosed { why, .. }) if why.contains("did not prove its key"))
    })
}

#[test]
fn each_side_of_a_link_proves_its_key_and_both_fingerprints() {
    let (a, b) = (tab(1), tab(2));
    let b_id = b.id();
    let (heard_a, heard_b) = keyed_link(a, b, b_id, |sdp| sdp);
    assert!(
        opened(&heard_a) && opened(&heard_b),
        "{heard_a:?} {heard_b:?}"
    );
}

#[test]
fn a_relay_in_the_middle_of_a_link_is_caught_by_both_sides() {
    let (a, b) = (tab(1), tab(2));
    let b_id = b.id();
    // The relay puts its own certificate in the answer (and would in the
    // offer): neither side's signed fingerprints match what the other saw.
    let (heard_a, heard_b) = keyed_link(a, b, b_id, |sdp| sdp.replace("BB:BB", "EE:EE"));
    assert!(refused_key(&heard_a), "{heard_a:?}");
    assert!(refused_key(&heard_b), "{heard_b:?}");
    assert!(!opened(&heard_a) && !opened(&heard_b));
}

#[test]
fn a_tab_answering_for_another_id_is_refused() {
    let (a, b) = (tab(1), tab(2));
    // The relay (or a neighbour) names the answerer 999; its key says
    // otherwise.
    let (heard_a, _) = keyed_link(a, b, 999, |sdp| sdp);
    assert!(refused_key(&heard_a), "{heard_a:?}");
    assert!(!opened(&heard_a));
}
