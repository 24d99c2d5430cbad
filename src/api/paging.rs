//! Pages of a list, decoded item by item without building a JSON tree: an item that is
//! not the expected shape (no id, wrong type) is counted, not silently dropped, and a
//! page holding more items than asked for keeps only those asked for (the rest are
//! counted too), so a hostile page costs no more memory than the items kept.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Items decoded from one array, and how many could not be.
#[derive(Debug)]
pub struct Items<T> {
    pub kept: Vec<T>,
    pub unreadable: usize,
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items {
            kept: Vec::new(),
            unreadable: 0,
        }
    }
}

/// Decodes an array into at most `limit` items of `T`, counting the others.
struct ItemsSeed<T> {
    limit: usize,
    item: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ItemsSeed<T> {
    type Value = Items<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Items<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ItemsSeed<T> {
    type Value = Items<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items<T>, A::Error> {
        let mut items = Items::default();
        loop {
            if items.kept.len() + items.unreadable >= self.limit {
                match seq.next_element::<IgnoredAny>()? {
                    Some(_) => items.unreadable += 1,
                    None => return Ok(items),
                }
                continue;
            }
            let Some(raw) = seq.next_element::<&'de RawValue>()? else {
                return Ok(items);
            };
            match serde_json::from_str::<T>(raw.get()) {
                Ok(item) => items.kept.push(item),
                Err(_) => items.unreadable += 1,
            }
        }
    }
}

/// One page of a Graph list: `{"data":[...],"paging":{...},"summary":{...}}`.
#[derive(Debug)]
pub struct GraphPage<T> {
    pub items: Items<T>,
    pub paging: Option<Paging>,
    pub summary: Option<Summary>,
}

/// `paging` of a Graph page.
#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    #[serde(default)]
    pub next: Option<IgnoredAny>,
}

/// `paging.cursors` of a Graph page.
#[derive(Debug, Deserialize)]
pub struct Cursors {
    #[serde(default)]
    pub after: Option<String>,
}

/// The figures of `summary` wamigrate reads (templates' count and limit).
#[derive(Debug, Default, Deserialize)]
pub struct Summary {
    #[serde(default, deserialize_with = "crate::domain::lenient::count")]
    pub message_template_count: Option<u64>,
    #[serde(default, deserialize_with = "crate::domain::lenient::count")]
    pub message_template_limit: Option<u64>,
}

/// Decodes a Graph page keeping at most `limit` items.
pub fn graph_page<T: DeserializeOwned>(
    body: &[u8],
    limit: usize,
) -> serde_json::Result<GraphPage<T>> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let page = PageSeed {
        item_keys: &["data"],
        limit,
        item: PhantomData::<T>,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(page.into())
}

/// Decodes a node read with one edge expanded (`GET /{id}?fields=…,edge{…}`) in one pass:
/// the node's own fields as `N`, and the page under `edge` as [`graph_page`] decodes it
/// (`None` when the answer has no such member).
pub fn node_with_page<N: DeserializeOwned, T: DeserializeOwned>(
    body: &[u8],
    edge: &str,
    limit: usize,
) -> serde_json::Result<(N, Option<GraphPage<T>>)> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let mut page = None;
    let node = deserializer.deserialize_map(NodeVisitor {
        edge,
        limit,
        page: &mut page,
        node: PhantomData::<N>,
    })?;
    deserializer.end()?;
    Ok((node, page.map(GraphPage::from)))
}

/// A node's own members as `N`; the page under `edge` goes to `page` as it passes.
struct NodeVisitor<'a, N, T> {
    edge: &'a str,
    limit: usize,
    page: &'a mut Option<AnyPage<T>>,
    node: PhantomData<N>,
}

impl<'de, N: DeserializeOwned, T: DeserializeOwned> Visitor<'de> for NodeVisitor<'_, N, T> {
    type Value = N;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a node object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<N, A::Error> {
        N::deserialize(serde::de::value::MapAccessDeserializer::new(WithoutEdge {
            map,
            edge: self.edge,
            limit: self.limit,
            page: self.page,
        }))
    }
}

/// The members of a node but its expanded edge, which is decoded aside.
struct WithoutEdge<'a, A, T> {
    map: A,
    edge: &'a str,
    limit: usize,
    page: &'a mut Option<AnyPage<T>>,
}

impl<'de, A: MapAccess<'de>, T: DeserializeOwned> MapAccess<'de> for WithoutEdge<'_, A, T> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key != self.edge {
                let key: serde::de::value::CowStrDeserializer<'_, A::Error> =
                    serde::de::IntoDeserializer::into_deserializer(key);
                return seed.deserialize(key).map(Some);
            }
            *self.page = self.map.next_value_seed(MaybePage(PageSeed {
                item_keys: &["data"],
                limit: self.limit,
                item: PhantomData,
            }))?;
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A page, or `null` (no page).
struct MaybePage<'k, T>(PageSeed<'k, T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for MaybePage<'_, T> {
    type Value = Option<AnyPage<T>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for MaybePage<'_, T> {
    type Value = Option<AnyPage<T>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page object or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// One page of a 360dialog list: `{"count","total","limit","offset", <items key>: [...]}`.
#[derive(Debug)]
pub struct HubPage<T> {
    pub items: Items<T>,
    /// Items in the array, kept or not (to move the offset on).
    pub received: usize,
    pub total: Option<u64>,
}

/// Decodes a 360dialog page whose items sit under the first of `item_keys` present.
pub fn hub_page<T: DeserializeOwned>(
    body: &[u8],
    item_keys: &[&str],
    limit: usize,
) -> serde_json::Result<HubPage<T>> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let page = PageSeed {
        item_keys,
        limit,
        item: PhantomData::<T>,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(HubPage {
        received: page.items.kept.len() + page.items.unreadable,
        items: page.items,
        total: page.total,
    })
}

/// What either kind of page holds; keys not named here are skipped unread.
struct AnyPage<T> {
    items: Items<T>,
    paging: Option<Paging>,
    summary: Option<Summary>,
    total: Option<u64>,
}

impl<T> From<AnyPage<T>> for GraphPage<T> {
    /// A Graph page keeps what Graph sends (the Hub's `total` is not among it).
    fn from(page: AnyPage<T>) -> Self {
        GraphPage {
            items: page.items,
            paging: page.paging,
            summary: page.summary,
        }
    }
}

/// A count as [`crate::domain::lenient::count`] reads it.
#[derive(Deserialize)]
struct LenientCount(#[serde(deserialize_with = "crate::domain::lenient::count")] Option<u64>);

struct PageSeed<'k, T> {
    item_keys: &'k [&'k str],
    limit: usize,
    item: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = AnyPage<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<AnyPage<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<'_, T> {
    type Value = AnyPage<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyPage<T>, A::Error> {
        let mut page = AnyPage {
            items: Items::default(),
            paging: None,
            summary: None,
            total: None,
        };
        let mut items_key: Option<usize> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let rank = self.item_keys.iter().position(|k| *k == key);
            match (key.as_ref(), rank) {
                (_, Some(rank)) if items_key.is_none_or(|taken| rank < taken) => {
                    page.items = map.next_value_seed(ItemsSeed {
                        limit: self.limit,
                        item: PhantomData,
                    })?;
                    items_key = Some(rank);
                }
                ("paging", _) => page.paging = map.next_value()?,
                ("summary", _) => page.summary = map.next_value()?,
                ("total", _) => page.total = map.next_value::<LenientCount>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: String,
    }

    #[test]
    fn items_without_id_are_counted_and_extra_items_are_not_kept() {
        let body = br#"{"data":[{"id":"1"},{"name":"no id"},7,{"id":"2"},{"id":"3"}],
            "paging":{"cursors":{"after":"c2"},"next":"https://elsewhere/next"},
            "summary":{"message_template_count":"140","total_count":[1,2]},"x":[[[]]]}"#;
        let page: GraphPage<Item> = graph_page(body, 3).unwrap();
        assert_eq!(page.items.kept, vec![Item { id: "1".into() }]);
        assert_eq!(
            page.items.unreadable, 4,
            "two without an id, two past the limit"
        );
        let paging = page.paging.unwrap();
        assert!(paging.next.is_some());
        assert_eq!(paging.cursors.unwrap().after.as_deref(), Some("c2"));
        assert_eq!(page.summary.unwrap().message_template_count, Some(140));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Node {
        id: String,
        #[serde(default)]
        name: Option<String>,
    }

    /// The node's members before and after its page are the node's; the page is decoded
    /// as a page of its own; a node without it (or with `null`) has none.
    #[test]
    fn a_node_and_its_expanded_page_are_decoded_together() {
        let body = br#"{"name":"W","edges":{"data":[{"id":"1"},{"x":1}],"paging":{"cursors":{"after":"c1"}}},"other":[{"edges":2}],"id":"9"}"#;
        let (node, page) = node_with_page::<Node, Item>(body, "edges", 10).unwrap();
        assert_eq!(
            node,
            Node {
                id: "9".into(),
                name: Some("W".into())
            }
        );
        let page = page.unwrap();
        assert_eq!(page.items.kept, vec![Item { id: "1".into() }]);
        assert_eq!(page.items.unreadable, 1);
        assert_eq!(
            page.paging.unwrap().cursors.unwrap().after.as_deref(),
            Some("c1")
        );
        for body in [&br#"{"id":"9"}"#[..], br#"{"edges":null,"id":"9"}"#] {
            let (node, page) = node_with_page::<Node, Item>(body, "edges", 10).unwrap();
            assert_eq!(node.id, "9");
            assert!(page.is_none());
        }
        assert!(node_with_page::<Node, Item>(br#"{"id":"9","edges":[1]}"#, "edges", 10).is_err());
        assert!(node_with_page::<Node, Item>(br#"{"edges":{"data":[]}}"#, "edges", 10).is_err());
    }

    #[test]
    fn hub_pages_use_the_first_items_key_present() {
        let body = br#"{"total":"5","channels":[{"id":"b"}],"partner_channels":[{"id":"a"},{}]}"#;
        let page: HubPage<Item> = hub_page(body, &["partner_channels", "channels"], 100).unwrap();
        assert_eq!(page.items.kept, vec![Item { id: "a".into() }]);
        assert_eq!(page.items.unreadable, 1);
        assert_eq!(page.received, 2);
        assert_eq!(page.total, Some(5));
    }
}
