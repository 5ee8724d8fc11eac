public import Foundation

/// Where the job store is, parsed from `MIXDOWN_STORE` in the forms each engine's own clients accept.
public enum StoreLocation: Sendable, Hashable {
    /// A SQLite file: `sqlite:PATH`, or a bare path.
    case sqlite(path: String)
    /// `postgres://` or `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]`.
    case postgres(url: String)
    /// A libSQL server over Hrana: `libsql://HOST` (TLS, as Turso's clients read it) becomes `https://HOST`;
    /// `https://HOST` as is; `http://HOST:PORT` for a local sqld.
    case libsql(url: URL)

    public static func parse(_ text: String) -> Result<StoreLocation, StoreLocationProblem> {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            return path.isEmpty ? .failure(StoreLocationProblem("expected sqlite:PATH")) : .success(.sqlite(path: path))
        }
        guard let schemeEnd = text.range(of: "://") else {
            // `postgres:user@host` is a mistyped URL, not a file to create with that name.
            let lowered = text.lowercased()
            if ["postgres:", "postgresql:", "libsql:", "http:", "https:"].contains(where: lowered.hasPrefix) {
                return .failure(StoreLocationProblem("a URL needs '://' after its scheme"))
            }
            return .success(.sqlite(path: text))
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "postgres", "postgresql":
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                return .failure(StoreLocationProblem("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"))
            }
            return .success(.postgres(url: text))
        case "libsql", "https", "http":
            guard var components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                return .failure(StoreLocationProblem("expected libsql://HOST, https://HOST or http://HOST:PORT"))
            }
            if scheme == "libsql" { components.scheme = "https" }
            // Turso URLs sometimes carry the token as ?authToken=; it belongs in TURSO_AUTH_TOKEN instead.
            components.query = nil
            guard let url = components.url else { return .failure(StoreLocationProblem("expected libsql://HOST")) }
            return .success(.libsql(url: url))
        default:
            return .failure(StoreLocationProblem("expected sqlite:PATH, postgres://..., libsql://HOST, https://HOST or http://HOST:PORT"))
        }
    }
}

extension StoreLocation {
    /// A store setting fit for logs and `mixdown config`: a URL's password becomes `***` and its query
    /// (where Turso URLs may carry `authToken=`) is dropped.
    public static func redacted(_ text: String) -> String {
        guard text.contains("://") else { return text }
        guard var components = URLComponents(string: text) else { return "<unparsable URL>" }
        if components.password != nil { components.password = "***" }
        if components.query != nil { components.query = nil }
        return components.string ?? "<unparsable URL>"
    }
}

/// Why a store location was refused.
public struct StoreLocationProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
