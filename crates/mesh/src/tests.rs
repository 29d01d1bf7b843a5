//! One rule at a time.

use super::*;

const C: Config = Config::DEFAULT;

fn dials(actions: &[Action]) -> Vec<PeerId> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Dial(p) => Some(*p),
            _ => None,
        })
        .collect()
}

/// A mesh with `n` open neighbours (ids 100, 101, …).
fn with_neighbours(n: u64) -> Mesh {
    let mut m = Mesh::new(1, C, 7);
    for p in 100..100 + n {
        assert_eq!(m.handle(Input::Offer(p), 0), vec![Action::Accept(p)]);
        m.handle(Input::Opened(p), 0);
    }
    m
}

#[test]
fn only_present_tabs_are_dialled_two_at_a_time_up_to_the_target() {
    let mut m = Mesh::new(1, C, 7);
    assert!(
        m.handle(Input::Tick, 0).contains(&Action::AskSample),
        "alone: asks"
    );
    let first = dials(&m.handle(Input::Present((2..20).collect()), 0));
    assert_eq!(first.len(), C.max_dialing);
    assert!(first.iter().all(|p| (2..20).contains(p)));
    assert!(dials(&m.handle(Input::Tick, 1)).is_empty(), "two under way");
    let mut open = 0;
    let mut pending = first;
    while let Some(p) = pending.pop() {
        pending.extend(dials(&m.handle(Input::Opened(p), 2)));
        open += 1;
    }
    assert_eq!(open, C.target);
    assert_eq!(m.degree(), C.target);
    assert!(
        dials(&m.handle(Input::Joined(30), 3)).is_empty(),
        "at the target"
    );
    assert!(
        !m.handle(Input::Present(vec![1]), 3)
            .contains(&Action::Dial(1)),
        "never itself"
    );
}

#[test]
fn offers_are_taken_up_to_the_upper_bound_less_the_tabs_own_reserve() {
    let inbound = C.d_hi - C.outbound_reserved;
    let mut m = with_neighbours(inbound as u64);
    assert_eq!(m.degree(), inbound);
    assert_eq!(
        m.handle(Input::Offer(5), 0),
        vec![Action::Refuse(5)],
        "the rest is kept for its own dials"
    );
    assert_eq!(
        m.handle(Input::Offer(100), 0),
        vec![Action::Refuse(100)],
        "linked already"
    );
    // Its own dials still fill the reserve, up to the upper bound.
    let mut m = with_neighbours(inbound as u64);
    let config = Config {
        target: C.d_hi,
        ..C
    };
    m.config = config;
    let dialled = dials(&m.handle(Input::Present(vec![2, 3, 4]), 1));
    assert_eq!(dialled.len(), C.outbound_reserved);
    for p in dialled {
        m.handle(Input::Opened(p), 2);
    }
    assert_eq!(m.degree(), C.d_hi);
    assert_eq!(m.handle(Input::Offer(9), 3), vec![Action::Refuse(9)]);
}

#[test]
fn a_tab_with_room_answers_only_a_few_strangers_at_once() {
    let mut m = Mesh::new(1, C, 7);
    let answered: Vec<PeerId> = (100..110)
        .filter(|p| m.handle(Input::Offer(*p), 0) == vec![Action::Accept(*p)])
        .collect();
    assert_eq!(answered.len(), C.max_answering, "{answered:?}");
    // One opens: room for the next.
    m.handle(Input::Opened(answered[0]), 1);
    assert_eq!(m.handle(Input::Offer(200), 2), vec![Action::Accept(200)]);
    assert_eq!(m.handle(Input::Offer(201), 2), vec![Action::Refuse(201)]);
    // The pending ones are given up after the dial timeout: room again.
    m.handle(Input::Tick, C.dial_timeout_ms + 3);
    assert_eq!(
        m.handle(Input::Offer(202), C.dial_timeout_ms + 4),
        vec![Action::Accept(202)]
    );
}

#[test]
fn strangers_offering_fast_hold_few_slots_and_useful_neighbours_get_through() {
    let mut m = Mesh::new(1, C, 7);
    // Tab 50 was a useful neighbour before: it left, and comes back later.
    assert_eq!(m.handle(Input::Offer(50), 0), vec![Action::Accept(50)]);
    m.handle(Input::Opened(50), 0);
    m.handle(Input::Useful(50), 0);
    m.handle(Input::Left(50), 0);
    m.handle(Input::Closed(50), 0);
    // Its own dials: enough tabs present to reach its target.
    let mut pending = dials(&m.handle(Input::Present((2..20).collect()), 0));
    while let Some(p) = pending.pop() {
        pending.extend(dials(&m.handle(Input::Opened(p), 0)));
    }
    assert_eq!(m.degree(), C.target);
    // Ten strangers offer with a fresh id every 100 ms for 30 s, and never
    // finish a link (each answered offer is a connection the browser
    // counts); an honest tab offers now and then.
    let (mut accepted, mut honest_in) = (0, 0);
    let mut next = 10_000;
    for step in 0..300u64 {
        // From the end of 50's rest on.
        let now = C.retry_ms + 1 + step * 100;
        m.handle(Input::Tick, now);
        for _ in 0..10 {
            next += 1;
            if m.handle(Input::Offer(next), now) == vec![Action::Accept(next)] {
                accepted += 1;
            }
        }
        let answering = m
            .links()
            .values()
            .filter(|l| matches!(l, Link::Answering(_)))
            .count();
        assert!(answering <= C.max_answering, "{answering} at {now} ms");
        if step == 150 {
            // The useful neighbour offers again: let in at once.
            let answer = m.handle(Input::Offer(50), now);
            if answer.contains(&Action::Accept(50)) {
                honest_in += 1;
            }
            assert!(
                answer
                    .iter()
                    .any(|a| matches!(a, Action::Close(p) if *p > 10_000)),
                "a stranger gave way: {answer:?}"
            );
        }
    }
    // A pending answer lasts the dial timeout: a couple of strangers each
    // time, not ninety.
    let most = C.max_answering as u64 * (30_000 / C.dial_timeout_ms + 1);
    assert!(accepted <= most, "{accepted} strangers' offers answered");
    assert_eq!(honest_in, 1, "the useful neighbour did not wait");
    assert_eq!(m.degree(), C.target, "its own links stayed");
}

#[test]
fn of_two_tabs_dialling_each_other_the_lower_ids_dial_goes_on() {
    let mut low = Mesh::new(1, C, 7);
    let mut high = Mesh::new(2, C, 7);
    assert_eq!(dials(&low.handle(Input::Present(vec![2]), 0)), vec![2]);
    assert_eq!(dials(&high.handle(Input::Present(vec![1]), 0)), vec![1]);
    assert_eq!(low.handle(Input::Offer(2), 1), vec![Action::Refuse(2)]);
    assert_eq!(high.handle(Input::Offer(1), 1), vec![Action::Accept(1)]);
    assert_eq!(high.links().get(&1), Some(&Link::Answering(1)));
}

#[test]
fn an_unanswered_dial_is_given_up_and_not_retried_at_once() {
    let mut m = Mesh::new(1, C, 7);
    assert_eq!(dials(&m.handle(Input::Present(vec![2]), 0)), vec![2]);
    let t = C.dial_timeout_ms;
    let actions = m.handle(Input::Tick, t);
    assert!(actions.contains(&Action::Close(2)));
    assert!(!actions.contains(&Action::Dial(2)), "not redialled at once");
    assert_eq!(
        dials(&m.handle(Input::Tick, t + C.retry_ms)),
        vec![2],
        "later"
    );
    // A link opened after it was given up is closed.
    let mut n = Mesh::new(1, C, 7);
    assert_eq!(n.handle(Input::Opened(9), 0), vec![Action::Close(9)]);
}

#[test]
fn a_banned_tab_is_dropped_and_never_dialled_or_accepted_while_banned() {
    let mut m = with_neighbours(3);
    let until = 100_000;
    let actions = m.handle(Input::Banned { peer: 100, until }, 10);
    assert!(actions.contains(&Action::Close(100)));
    assert!(!dials(&actions).contains(&100));
    assert_eq!(m.handle(Input::Offer(100), 20), vec![Action::Refuse(100)]);
    for t in (20..until).step_by(1_000) {
        let mut actions = m.handle(Input::Present(vec![100]), t);
        actions.extend(m.handle(Input::Tick, t));
        assert!(!dials(&actions).contains(&100), "dialled at {t}");
    }
    assert!(!m.is_banned(100, until));
}

#[test]
fn the_least_useful_neighbour_gives_way_now_and_then() {
    let mut m = with_neighbours(C.target as u64);
    for p in 100..100 + C.target as u64 {
        if p != 103 {
            m.handle(Input::Useful(p), 5);
        }
    }
    m.handle(Input::Present(vec![50]), 5);
    let actions = m.handle(Input::Tick, C.rotate_ms);
    assert!(actions.contains(&Action::Close(103)), "{actions:?}");
    assert!(
        actions.contains(&Action::Dial(50)),
        "a random one replaces it"
    );
    // Nothing to replace it with: nobody is closed.
    let mut alone = with_neighbours(C.target as u64);
    let actions = alone.handle(Input::Tick, C.rotate_ms);
    assert!(!actions.iter().any(|a| matches!(a, Action::Close(_))));
}

#[test]
fn a_tab_short_of_neighbours_asks_for_a_sample_now_and_then() {
    let mut m = Mesh::new(1, C, 7);
    assert!(m.handle(Input::Tick, 0).contains(&Action::AskSample));
    assert!(!m.handle(Input::Tick, 1_000).contains(&Action::AskSample));
    assert!(
        m.handle(Input::Tick, C.sample_ms)
            .contains(&Action::AskSample)
    );
    let mut full = with_neighbours(C.d_lo as u64);
    assert!(!full.handle(Input::Tick, 0).contains(&Action::AskSample));
}

#[test]
fn a_neighbour_that_leaves_is_replaced() {
    let mut m = with_neighbours(C.target as u64);
    m.handle(Input::Present(vec![60, 61]), 0);
    // Gone from the relay's room: the open link stays until it closes.
    let actions = m.handle(Input::Left(100), 1);
    assert!(actions.is_empty(), "{actions:?}");
    assert_eq!(m.degree(), C.target);
    let actions = m.handle(Input::Closed(100), 2);
    assert_eq!(dials(&actions).len(), 1);
    assert_eq!(m.links().len(), C.target);
}

#[test]
fn a_dial_to_a_tab_that_left_is_dropped() {
    let mut m = Mesh::new(1, C, 7);
    let actions = m.handle(Input::Present(vec![50]), 0);
    assert_eq!(dials(&actions), vec![50]);
    assert_eq!(m.handle(Input::Left(50), 1), vec![Action::Close(50)]);
    assert!(m.links().is_empty());
}

#[test]
fn a_tab_whose_link_just_closed_cannot_offer_again_until_it_has_rested() {
    let mut m = with_neighbours(1);
    m.handle(Input::Closed(100), 1_000);
    assert_eq!(
        m.handle(Input::Offer(100), 2_000),
        vec![Action::Refuse(100)]
    );
    let later = 1_000 + C.retry_ms;
    assert!(
        m.handle(Input::Offer(100), later)
            .contains(&Action::Accept(100))
    );
}
