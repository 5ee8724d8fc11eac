public import Foundation
internal import MixdownRecipe

/// Refuses network inputs that point inside the machine or its network (loopback, private, link-local,
/// unspecified, multicast, carrier-grade NAT), so a recipe cannot make the server fetch internal URLs.
/// Checked after DNS resolution, and again for every redirect.
struct NetworkGuard: Sendable {
    var allowPrivateAddresses: Bool

    /// Throws when `url` is not http(s) or its host resolves to an address that is not public.
    func check(_ url: URL) throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw MixdownError(code: .badUrl, message: "only http and https URLs can be fetched")
        }
        guard !allowPrivateAddresses else { return }
        let addresses = try Self.resolve(host)
        guard !addresses.isEmpty else { throw MixdownError(code: .downloadFailed, message: "cannot resolve \(host)") }
        for address in addresses where !Self.isPublic(address) {
            throw MixdownError(
                code: .privateAddress,
                message:
                    "\(host) resolves to \(address.description), a loopback, private or link-local address (set MIXDOWN_ALLOW_PRIVATE_URLS=1 to allow)"
            )
        }
    }

    enum Address: CustomStringConvertible {
        case v4([UInt8])
        case v6([UInt8])

        var description: String {
            switch self {
            case .v4(let bytes): bytes.map(String.init).joined(separator: ".")
            case .v6(let bytes):
                stride(from: 0, to: 16, by: 2).map { String(format: "%x", Int(bytes[$0]) << 8 | Int(bytes[$0 + 1])) }.joined(separator: ":")
            }
        }
    }

    static func resolve(_ host: String) throws -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if info.pointee.ai_family == AF_INET, let raw = info.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    let value = pointer.pointee.sin_addr.s_addr  // network byte order
                    addresses.append(.v4(withUnsafeBytes(of: value) { Array($0) }))
                }
            } else if info.pointee.ai_family == AF_INET6, let raw = info.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    addresses.append(.v6(withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }))
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    static func isPublic(_ address: Address) -> Bool {
        switch address {
        case .v4(let b):
            if b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 { return false }  // this network, private, loopback, multicast/reserved
            if b[0] == 169 && b[1] == 254 { return false }  // link-local
            if b[0] == 172 && (16...31).contains(b[1]) { return false }
            if b[0] == 192 && b[1] == 168 { return false }
            if b[0] == 100 && (64...127).contains(b[1]) { return false }  // carrier-grade NAT
            if b[0] == 192 && b[1] == 0 && b[2] == 0 { return false }  // IETF protocol assignments
            if b[0] == 198 && (b[1] == 18 || b[1] == 19) { return false }  // benchmarking, 198.18.0.0/15
            // Documentation ranges (TEST-NET-1, -2, -3): never a real receiver.
            if (b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113) {
                return false
            }
            return true
        case .v6(let b):
            if b.allSatisfy({ $0 == 0 }) { return false }  // ::
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return false }  // ::1
            if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return false }  // fe80::/10 link-local
            if (b[0] & 0xFE) == 0xFC { return false }  // fc00::/7 unique local
            if b[0] == 0xFF { return false }  // multicast
            if b[0] == 0xFE && (b[1] & 0xC0) == 0xC0 { return false }  // fec0::/10 site-local
            // Forms that carry an IPv4 address are judged by it: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
            // NAT64 64:ff9b::/96, and 6to4 2002:AABB:CCDD::/16.
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isPublic(.v4(Array(b[12..<16]))) }
            if b[0..<12].allSatisfy({ $0 == 0 }) { return isPublic(.v4(Array(b[12..<16]))) }
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..<12].allSatisfy({ $0 == 0 }) {
                return isPublic(.v4(Array(b[12..<16])))
            }
            if b[0] == 0x20 && b[1] == 0x02 { return isPublic(.v4(Array(b[2..<6]))) }
            return true
        }
    }
}

extension InputLimits {
    /// Applies the same address rules as network inputs to another outgoing URL (job webhooks).
    public func checkNetworkTarget(_ url: URL) throws {
        try NetworkGuard(allowPrivateAddresses: allowPrivateAddresses).check(url)
    }
}
