//! What can go wrong in the browser shell, each with the sentence the
//! activity log shows.

/// A failure of the browser around the node: storage, workers, sockets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// The browser offers no IndexedDB (private mode in some browsers).
    #[error("IndexedDB is not available: {0}")]
    NoDatabase(String),
    /// The database could not be opened (or upgraded).
    #[error("cannot open the browser's database: {0}")]
    OpenDatabase(String),
    /// A read or write failed.
    #[error("cannot {doing}: {reason}")]
    Storage {
        /// What was being done ("save the chain").
        doing: String,
        /// The browser's complaint.
        reason: String,
    },
    /// A web worker could not be started.
    #[error("cannot start the {what}: {reason}")]
    WorkerStart {
        /// Which worker ("miner worker").
        what: &'static str,
        /// The browser's complaint.
        reason: String,
    },
    /// A web worker failed after starting (its script did not load).
    #[error("a {what} failed to start: {reason}")]
    WorkerFailed {
        /// Which worker.
        what: &'static str,
        /// The browser's complaint.
        reason: String,
    },
    /// The relay's WebSocket could not be opened.
    #[error("cannot open {url}: {reason}")]
    Relay {
        /// The relay.
        url: String,
        /// The browser's complaint.
        reason: String,
    },
    /// No `BroadcastChannel`: tabs of this browser cannot talk without the
    /// relay.
    #[error("no BroadcastChannel: {0}")]
    NoChannel(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_reads_as_one_sentence() {
        let e = ShellError::Storage {
            doing: "save the chain".into(),
            reason: "QuotaExceededError".into(),
        };
        assert_eq!(e.to_string(), "cannot save the chain: QuotaExceededError");
        let e = ShellError::WorkerFailed {
            what: "miner worker",
            reason: "404".into(),
        };
        assert_eq!(e.to_string(), "a miner worker failed to start: 404");
    }
}
