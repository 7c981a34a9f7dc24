//! Walking an error's source chain, as backends do to classify a client
//! library's error and to keep its whole cause in a failure's detail.

use std::error::Error as StdError;

/// The first error of type `E` in `err`'s source chain, `err` included.
pub fn find_in_chain<'a, E: StdError + 'static>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a E> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// The error and every cause, joined by `: `, leaving out a cause whose text
/// is already there (many libraries repeat their source in `Display`).
pub fn describe_chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let cause = e.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn finds_a_cause_by_type() {
        let inner = io::Error::new(io::ErrorKind::ConnectionReset, "peer reset");
        let outer = io::Error::other(inner);
        let found = find_in_chain::<io::Error>(&outer).expect("outer is an io::Error");
        assert_eq!(found.kind(), io::ErrorKind::Other);
        assert!(find_in_chain::<std::fmt::Error>(&outer).is_none());
    }

    #[test]
    fn describes_the_chain_without_repeats() {
        let inner = io::Error::new(io::ErrorKind::ConnectionReset, "peer reset");
        let outer = io::Error::other(inner);
        assert_eq!(describe_chain(&outer), "peer reset");
        #[derive(Debug)]
        struct Outer(io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let err = Outer(io::Error::other("connection refused"));
        assert_eq!(
            describe_chain(&err),
            "error sending request: connection refused"
        );
    }
}
