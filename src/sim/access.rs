//! Who may see what, as the Graph API decides it: a token belongs to a system user, and
//! reaches only the assets assigned to it (its WABAs, and through them their numbers and
//! templates; business nodes only where granted). The portfolio declares the tokens
//! (`assets/sandbox/portfolio.json`, listed in `assets/sandbox/README.md`); the token of
//! `SimConfig::graph_token` (`sandbox-token`) reaches everything, so the README's first
//! commands still show the whole portfolio.
//!
//! `debug_token` lists the granted WABAs under `granular_scopes[].target_ids`
//! (https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/manage-accounts,
//! "Get shared WABA ID with access token"). A read of an object the token cannot reach
//! answers the same 100/33 as an id that does not exist; a write answers a permission
//! error (code 200, see [`crate::sim::wire::GraphError::permission`]).

use serde::{Deserialize, Serialize};

use crate::sim::portfolio::{NodeKind, Portfolio};

/// One system user's token and its grants, as the portfolio declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SystemUserToken {
    /// The bearer value clients send.
    pub token: String,
    /// Who holds it (shown by `debug_token` as the application's system user).
    pub system_user: String,
    /// Every WABA owned by these businesses is granted.
    #[serde(default)]
    pub owned_by: Vec<String>,
    /// Every WABA shared with these businesses as a client WABA is granted.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// WABAs granted one by one (a partner's destination WABAs).
    #[serde(default)]
    pub wabas: Vec<String>,
    /// Business nodes the token may read (and list the WABAs of).
    #[serde(default)]
    pub businesses: Vec<String>,
}

/// What one call's token may reach.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Grants {
    /// The broad sandbox token: every object.
    Everything,
    /// A declared system user's token.
    SystemUser(SystemUserToken),
}

impl Grants {
    /// The grants of a bearer value: the broad token, a declared one, or none (an invalid
    /// token, answered with code 190).
    pub fn resolve(token: &str, broad_token: &str, portfolio: &Portfolio) -> Option<Grants> {
        if token == broad_token {
            return Some(Grants::Everything);
        }
        portfolio
            .tokens
            .iter()
            .find(|t| t.token == token)
            .cloned()
            .map(Grants::SystemUser)
    }

    /// Whether the token reaches this WABA.
    pub fn waba(&self, portfolio: &Portfolio, id: &str) -> bool {
        let Some(waba) = portfolio.waba(id) else {
            return false;
        };
        match self {
            Grants::Everything => true,
            Grants::SystemUser(t) => {
                t.wabas.iter().any(|w| w == id)
                    || t.owned_by.iter().any(|b| b == waba.owner())
                    || waba.client_of.iter().any(|b| t.shared_with.contains(b))
            }
        }
    }

    /// Whether the token reaches an object of this kind; numbers and templates follow
    /// their WABA.
    pub fn object(&self, portfolio: &Portfolio, id: &str, kind: NodeKind) -> bool {
        match kind {
            NodeKind::Business => match self {
                Grants::Everything => true,
                Grants::SystemUser(t) => t.businesses.iter().any(|b| b == id),
            },
            NodeKind::Waba => self.waba(portfolio, id),
            NodeKind::Number => portfolio
                .number(id)
                .is_some_and(|n| self.waba(portfolio, &n.waba_id)),
            NodeKind::Template => portfolio
                .template(id)
                .is_some_and(|t| self.waba(portfolio, &t.waba_id)),
        }
    }

    /// The granted WABA and business ids, in portfolio order (`debug_token`'s
    /// `target_ids`).
    pub fn target_ids<'p>(&self, portfolio: &'p Portfolio) -> (Vec<&'p str>, Vec<&'p str>) {
        let wabas = portfolio
            .wabas
            .iter()
            .map(|w| w.node.id.as_str())
            .filter(|id| self.waba(portfolio, id))
            .collect();
        let businesses = portfolio
            .businesses
            .iter()
            .map(|b| b.id.as_str())
            .filter(|id| self.object(portfolio, id, NodeKind::Business))
            .collect();
        (wabas, businesses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "104996122399160";
    const DEST: &str = "104996122399161";
    const KESTREL_WABA: &str = "210448776512093";
    const KESTREL_NUMBER: &str = "106540352240035";
    const SOURCE_NUMBER: &str = "106540352240001";

    fn portfolio() -> Portfolio {
        Portfolio::build(crate::sim::DEFAULT_SEED, None, None)
    }

    fn grants(token: &str) -> Grants {
        Grants::resolve(token, "sandbox-token", &portfolio()).unwrap()
    }

    #[test]
    fn the_seeded_tokens_reach_what_the_readme_says() {
        let p = portfolio();
        let business = grants("lucky-shrub-business-token");
        let partner = grants("partner-token");
        let kestrel = grants("kestrel-business-token");
        let broad = grants("sandbox-token");
        assert_eq!(broad, Grants::Everything);
        assert!(business.waba(&p, SOURCE) && business.waba(&p, DEST));
        assert!(!business.waba(&p, KESTREL_WABA));
        assert!(partner.waba(&p, DEST) && !partner.waba(&p, SOURCE));
        assert!(kestrel.waba(&p, KESTREL_WABA) && !kestrel.waba(&p, DEST));
        assert!(kestrel.object(&p, KESTREL_NUMBER, NodeKind::Number));
        assert!(!partner.object(&p, SOURCE_NUMBER, NodeKind::Number));
        assert!(!partner.object(&p, "506914307656634", NodeKind::Business));
        let (wabas, businesses) = partner.target_ids(&p);
        assert_eq!(wabas.len(), 5);
        assert!(businesses.is_empty());
        assert_eq!(broad.target_ids(&p).0.len(), p.wabas.len());
        assert!(Grants::resolve("nope", "sandbox-token", &p).is_none());
        assert!(
            !broad.waba(&p, "999"),
            "a WABA that does not exist is never granted"
        );
    }

    #[test]
    fn every_declared_token_is_unique_and_names_existing_assets() {
        let p = portfolio();
        for (i, t) in p.tokens.iter().enumerate() {
            assert!(p.tokens[i + 1..].iter().all(|o| o.token != t.token));
            assert_ne!(t.token, "sandbox-token");
            for id in t.wabas.iter() {
                assert!(p.waba(id).is_some(), "{id}");
            }
            for id in t.businesses.iter().chain(&t.owned_by).chain(&t.shared_with) {
                assert!(p.business(id).is_some(), "{id}");
            }
        }
    }
}
