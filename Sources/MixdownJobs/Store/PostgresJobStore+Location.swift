internal import Foundation
internal import PostgresNIO

extension PostgresJobStore {
    /// Where the store lives, parsed from `postgres://user[:password]@host[:port]/database[?sslmode=...]`
    /// (or `postgresql://`). Parsing never traps; every problem is named in the error.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        /// How the connection uses TLS, with libpq's names.
        public enum TLSMode: String, Sendable, Hashable, CaseIterable {
            /// Plain TCP.
            case disable
            /// TLS when the server offers it, without checking its certificate (libpq's default).
            case prefer
            /// TLS or no connection; the certificate is not checked.
            case require
            /// TLS with the certificate checked against the system's roots and the host name.
            case verifyFull = "verify-full"
        }

        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var tls: TLSMode

        /// Whether a store setting names a PostgreSQL store (and so belongs to this parser).
        public static func matches(_ setting: String) -> Bool {
            let lowered = setting.lowercased()
            return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
        }

        public init(_ setting: String) throws {
            guard Self.matches(setting), let components = URLComponents(string: setting) else {
                throw LocationError("expected postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full]")
            }
            guard let host = components.host, !host.isEmpty else { throw LocationError("the URL names no host") }
            // URLComponents reads a port out of range as nil rather than trapping; 0 and above 65535 are refused here.
            if let port = components.port, !(1...65535).contains(port) { throw LocationError("port \(port) is out of range") }
            guard let user = components.user, !user.isEmpty else { throw LocationError("the URL names no user") }
            let database = String(components.path.drop(while: { $0 == "/" }))
            guard !database.isEmpty, !database.contains("/") else { throw LocationError("the URL names no database (postgres://user@host/DATABASE)") }
            var tls = TLSMode.prefer
            for item in components.queryItems ?? [] {
                switch item.name {
                case "sslmode":
                    guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                        throw LocationError("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    tls = mode
                default:
                    throw LocationError("unknown parameter '\(item.name)' (only sslmode is read)")
                }
            }
            // Host brackets around IPv6 literals are URL syntax, not part of the address.
            self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            self.port = components.port ?? 5432
            // URLComponents hands these back percent-decoded: a password may hold '@', ':' or '/' written as %40, %3A, %2F.
            self.username = user
            self.password = components.password
            self.database = database
            self.tls = tls
        }

        /// The URL with the password left out: safe for logs and error messages.
        public var description: String {
            let credentials = password == nil ? username : "\(username):***"
            let address = host.contains(":") ? "[\(host)]" : host
            return "postgres://\(credentials)@\(address):\(port)/\(database)?sslmode=\(tls.rawValue)"
        }

        /// TLS as libpq's `sslmode` asks: nil to disable; `prefer` and `require` encrypt without verifying
        /// the certificate, `verify-full` verifies it and the host name. `required` is false for `prefer`.
        private var tlsSettings: (TLSConfiguration, required: Bool)? {
            switch tls {
            case .disable:
                return nil
            case .prefer, .require:
                var unverified = TLSConfiguration.makeClientConfiguration()
                unverified.certificateVerification = .none
                return (unverified, tls == .require)
            case .verifyFull:
                return (TLSConfiguration.makeClientConfiguration(), true)
            }
        }

        /// For the change listener's own connection (outside the pool, so that a failure to connect says
        /// why: refused, no such database, wrong password).
        func connectionConfiguration() throws -> PostgresConnection.Configuration {
            let context: PostgresConnection.Configuration.TLS
            if let (settings, required) = tlsSettings {
                let ssl = try NIOSSLContext(configuration: settings)
                context = required ? .require(ssl) : .prefer(ssl)
            } else {
                context = .disable
            }
            var configuration = PostgresConnection.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: context
            )
            configuration.options.connectTimeout = .seconds(5)
            return configuration
        }

        var clientConfiguration: PostgresClient.Configuration {
            let tlsConfiguration: PostgresClient.Configuration.TLS
            if let (settings, required) = tlsSettings {
                tlsConfiguration = required ? .require(settings) : .prefer(settings)
            } else {
                tlsConfiguration = .disable
            }
            return PostgresClient.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: tlsConfiguration
            )
        }
    }

    /// A store setting that is not a usable PostgreSQL URL. The message never repeats the password.
    public struct LocationError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String

        init(_ problem: String) { description = "invalid PostgreSQL store URL: \(problem)" }
    }
}
