//! Runtime probe behind fixtures/self_deadlock/recursive_read.rs (`recursive_read_lock`):
//! a second `read` of an `RwLock` under its own read guard returns when no writer
//! waits, and hangs once a writer queues between the two (std on Linux and
//! parking_lot prefer the waiting writer); parking_lot's `read_recursive` does not
//! wait for writers. A read under an upgradable read returns even then (a waiting
//! writer of parking_lot waits for the upgradable guard without blocking readers),
//! an upgradable read under a read hangs.
//! extern: parking_lot
//! expect: std_read_twice: returns
//! expect: std_read_twice_writer_waiting: hangs
//! expect: parking_lot_read_twice_writer_waiting: hangs
//! expect: parking_lot_read_recursive_writer_waiting: returns
//! expect: parking_lot_read_under_upgradable_writer_waiting: returns
//! expect: parking_lot_upgradable_under_read_writer_waiting: hangs

use std::sync::Arc;
use std::time::Duration;

/// Whether `f` returns within a second, run on a thread of its own.
fn outcome(name: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_millis(1000)) {
        Ok(()) => println!("{name}: returns"),
        Err(_) => println!("{name}: hangs"),
    }
}

/// Long enough for the writer thread to start waiting.
fn let_the_writer_queue() {
    std::thread::sleep(Duration::from_millis(200));
}

fn main() {
    outcome("std_read_twice", || {
        let lock = std::sync::RwLock::new(0);
        let _first = lock.read().unwrap();
        let _second = lock.read().unwrap();
    });
    outcome("std_read_twice_writer_waiting", || {
        let lock = Arc::new(std::sync::RwLock::new(0));
        let first = lock.read().unwrap();
        let writer = Arc::clone(&lock);
        std::thread::spawn(move || *writer.write().unwrap() += 1);
        let_the_writer_queue();
        let _second = lock.read().unwrap();
        drop(first);
    });
    outcome("parking_lot_read_twice_writer_waiting", || {
        let lock = Arc::new(parking_lot::RwLock::new(0));
        let first = lock.read();
        let writer = Arc::clone(&lock);
        std::thread::spawn(move || *writer.write() += 1);
        let_the_writer_queue();
        let _second = lock.read();
        drop(first);
    });
    outcome("parking_lot_read_recursive_writer_waiting", || {
        let lock = Arc::new(parking_lot::RwLock::new(0));
        let first = lock.read();
        let writer = Arc::clone(&lock);
        std::thread::spawn(move || *writer.write() += 1);
        let_the_writer_queue();
        let _second = lock.read_recursive();
        drop(first);
    });
    outcome("parking_lot_read_under_upgradable_writer_waiting", || {
        let lock = Arc::new(parking_lot::RwLock::new(0));
        let first = lock.upgradable_read();
        let writer = Arc::clone(&lock);
        std::thread::spawn(move || *writer.write() += 1);
        let_the_writer_queue();
        let _second = lock.read();
        drop(first);
    });
    outcome("parking_lot_upgradable_under_read_writer_waiting", || {
        let lock = Arc::new(parking_lot::RwLock::new(0));
        let first = lock.read();
        let writer = Arc::clone(&lock);
        std::thread::spawn(move || *writer.write() += 1);
        let_the_writer_queue();
        let _second = lock.upgradable_read();
        drop(first);
    });
    // The hung threads stay blocked: end the process.
    std::process::exit(0);
}
