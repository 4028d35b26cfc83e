//! Who a client is, for limits: an IPv4 address, or the IPv6 network around an address.

use std::net::{IpAddr, Ipv6Addr};

/// The key per-client limits count under: an IPv4 address as it is, an IPv6 address
/// reduced to its first `ipv6_prefix` bits (written `2001:db8::/64`). One subscriber
/// usually holds a whole /64, so counting single IPv6 addresses would give one attacker
/// 2^64 allowances. IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
pub fn client_prefix(ip: IpAddr, ipv6_prefix: u8) -> ClientPrefix {
    match ip {
        IpAddr::V4(v4) => ClientPrefix(IpAddr::V4(v4), 32),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ClientPrefix(IpAddr::V4(v4), 32),
            None => {
                let bits = ipv6_prefix.clamp(1, 128);
                let mask = u128::MAX << (128 - u32::from(bits));
                ClientPrefix(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)), bits)
            }
        },
    }
}

/// A client's address or network; see [`client_prefix`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientPrefix(IpAddr, u8);

impl std::fmt::Display for ClientPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/{}", self.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(ip: &str, bits: u8) -> String {
        client_prefix(ip.parse().unwrap(), bits).to_string()
    }

    #[test]
    fn ipv4_counts_per_address() {
        assert_eq!(prefix("203.0.113.7", 64), "203.0.113.7");
        assert_ne!(prefix("203.0.113.7", 64), prefix("203.0.113.8", 64));
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_a_prefix() {
        assert_eq!(prefix("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
        assert_eq!(prefix("2001:db8:1:2:ffff:ffff:ffff:ffff", 64), prefix("2001:db8:1:2::9", 64));
        assert_ne!(prefix("2001:db8:1:2::1", 64), prefix("2001:db8:1:3::1", 64));
        assert_eq!(prefix("2001:db8:1:2::1", 48), "2001:db8:1::/48");
        assert_eq!(prefix("2001:db8::1", 128), "2001:db8::1/128");
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        assert_eq!(prefix("::ffff:203.0.113.7", 64), "203.0.113.7");
    }
}
