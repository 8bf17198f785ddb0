//! Lowering snapshots: the event graph of small bodies, one for each rule of
//! `shared/SEMANTICS.md`, as text (`yieldsafe::analysis::dump::lowering`). A change in
//! where a value is created, moved or dropped shows here, in review, before it
//! changes a finding.

use yieldsafe::analysis::dump::lowering;
use yieldsafe::edition::Edition;

/// The bodies, each with the std lock and an async fn to await in scope.
fn dump(body: &str, edition: u16) -> String {
    let text = format!(
        "use std::sync::Mutex;\nasync fn tick() {{}}\nfn f(_: usize) {{}}\nfn f2(_: (), _: usize) {{}}\nfn take(_: usize) -> impl std::future::Future<Output = ()> {{ async {{}} }}\n{body}\n"
    );
    let edition: Edition = edition.to_string().parse().expect("an edition");
    let dump = lowering(&text, edition).expect("the body lowers");
    format!("{body}\n---\n{dump}")
}

macro_rules! snapshot {
    ($name:ident, $edition:expr, $body:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(dump($body, $edition));
        }
    };
}

// §1 Bindings live to the end of their scope, not to their last use.
snapshot!(
    binding_held_to_scope_end,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); tick().await; }"
);
snapshot!(
    underscore_binding_held,
    2021,
    "async fn a(m: &Mutex<u8>) { let _g = m.lock().unwrap(); tick().await; }"
);
snapshot!(
    wildcard_let_moves_nothing,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); let _ = g; tick().await; }"
);
snapshot!(
    shadowing_does_not_drop,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); let g = 1; tick().await; f(g); }"
);
snapshot!(
    reassignment_drops_the_old_guard,
    2021,
    "async fn a(m: &Mutex<u8>, n: &Mutex<u8>) { let mut g = m.lock().unwrap(); g = n.lock().unwrap(); tick().await; }"
);
snapshot!(
    drop_ends_it,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); drop(g); tick().await; }"
);
snapshot!(
    let_moves_it,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); let h = g; tick().await; }"
);
snapshot!(
    move_on_one_path_is_maybe_held,
    2021,
    "async fn a(m: &Mutex<u8>, c: bool) { let g = m.lock().unwrap(); if c { drop(g); } tick().await; }"
);
snapshot!(
    guard_inside_the_loop_dies_each_iteration,
    2021,
    "async fn a(m: &Mutex<u8>) { loop { tick().await; let g = m.lock().unwrap(); } }"
);
snapshot!(
    guard_carried_in_an_outer_variable,
    2021,
    "async fn a(m: &Mutex<u8>) { let mut held = None; loop { tick().await; held = Some(m.lock().unwrap()); } }"
);
snapshot!(
    guard_parameter,
    2021,
    "async fn a(g: std::sync::MutexGuard<'_, u8>) { tick().await; }"
);

// §2 Temporaries live to the end of their temporary scope.
snapshot!(
    temporary_in_an_awaited_call_argument,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { take(m.lock().unwrap().len()).await; }"
);
snapshot!(
    temporary_created_after_the_await,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { f2(tick().await, m.lock().unwrap().len()); }"
);
snapshot!(
    temporary_ends_with_its_let,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { let n = m.lock().unwrap().len(); tick().await; }"
);
snapshot!(
    wildcard_let_drops_at_once,
    2021,
    "async fn a(m: &Mutex<u8>) { let _ = m.lock().unwrap(); tick().await; }"
);
snapshot!(
    if_condition_is_a_temporary_scope,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { if m.lock().unwrap().is_empty() { tick().await; } }"
);
snapshot!(
    lazy_operand_is_a_temporary_scope,
    2021,
    "async fn a(m: &Mutex<bool>) { let _ = *m.lock().unwrap() && { tick().await; true }; }"
);
snapshot!(
    assignment_runs_the_right_side_first,
    2021,
    "async fn a(m: &Mutex<u8>) { *m.lock().unwrap() = { tick().await; 1 }; }"
);

// §3 Scrutinees keep their temporaries for the whole construct.
snapshot!(
    match_scrutinee_held_through_every_arm,
    2021,
    "async fn a(m: &Mutex<u8>) { match *m.lock().unwrap() { _ => tick().await } }"
);
snapshot!(
    if_let_scrutinee_held_through_the_body,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { if let Some(v) = m.lock().unwrap().pop() { tick().await; } }"
);
snapshot!(
    while_let_scrutinee_held_through_the_body,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { while let Some(v) = m.lock().unwrap().pop() { tick().await; } }"
);
snapshot!(
    for_head_held_through_the_loop,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { for v in m.lock().unwrap().iter() { tick().await; } }"
);
snapshot!(
    let_else_binds_the_guard,
    2021,
    "async fn a(m: &Mutex<u8>) { let Ok(g) = m.lock() else { return }; tick().await; }"
);

// §4 Edition 2024 rescopes `if let` and block tails.
snapshot!(
    if_let_else_2021,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { if let Some(v) = m.lock().unwrap().pop() { } else { tick().await; } }"
);
snapshot!(
    if_let_else_2024,
    2024,
    "async fn a(m: &Mutex<Vec<u8>>) { if let Some(v) = m.lock().unwrap().pop() { } else { tick().await; } }"
);
snapshot!(
    block_tail_2021,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { take({ m.lock().unwrap().len() }).await; }"
);
snapshot!(
    block_tail_2024,
    2024,
    "async fn a(m: &Mutex<Vec<u8>>) { take({ m.lock().unwrap().len() }).await; }"
);

// §5 Lifetime extension.
snapshot!(
    extended_borrow_of_the_guard,
    2021,
    "async fn a(m: &Mutex<u8>) { let r = &m.lock().unwrap(); tick().await; }"
);
snapshot!(
    extended_borrow_of_a_field_only,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { let n = &m.lock().unwrap().len(); tick().await; }"
);

// §6 Every async body is its own coroutine.
snapshot!(
    await_in_an_inner_block_does_not_suspend_the_outer,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); let fut = async { tick().await; }; }"
);
snapshot!(
    async_move_captures_the_guard,
    2021,
    "async fn a(m: &Mutex<u8>) { let g = m.lock().unwrap(); let fut = async move { tick().await; f(*g as usize); }; fut.await; }"
);
snapshot!(
    macro_arguments_are_code,
    2021,
    "async fn a(m: &Mutex<Vec<u8>>) { println!(\"{} {:?}\", m.lock().unwrap().len(), tick().await); }"
);

// §7 Wrappers hold what they contain.
snapshot!(
    option_and_tuple_hold_the_guard,
    2021,
    "async fn a(m: &Mutex<u8>) { let o = Some(m.lock().unwrap()); let t = (1, m.lock()); tick().await; }"
);
