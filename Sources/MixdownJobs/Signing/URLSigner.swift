internal import Crypto
internal import Foundation

/// Signs and checks time-limited URLs: HMAC-SHA256 over method, storage key and expiry. The API server
/// checks what it and the workers sign (`MIXDOWN_SIGNING_KEY`, shared by every API and worker process).
public struct URLSigner: Sendable {
    let keyBytes: [UInt8]

    public init(key: [UInt8]) {
        keyBytes = key
    }

    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    func message(method: String, key: String, expires: Int) -> Data {
        Data("\(method)\n\(key)\n\(expires)".utf8)
    }

    public func signature(method: String, key: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message(method: method, key: key, expires: expires), using: self.key)
        return Data(mac).base64URLEncoded()
    }

    /// Checks in constant time; false for altered, foreign or expired signatures.
    public func verify(method: String, key: String, expires: Int, signature: String, now: Int) -> Bool {
        guard expires >= now, let given = Data(base64URLEncoded: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: message(method: method, key: key, expires: expires), using: self.key)
    }
}

/// Compares secrets without leaking, through timing, how much of them matched.
public enum ConstantTime {
    public static func equals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}

extension Data {
    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
    }

    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
