public import MixdownExecution
import MixdownStorage

/// Resolves `{ asset: ID }` inputs through the job store and storage.
public struct StoreAssetResolver: AssetResolver {
    public let services: MixdownServices

    public init(services: MixdownServices) {
        self.services = services
    }

    public func localPath(forAsset id: String) async throws -> String {
        guard Identifier.isValid(id, prefix: "ast_"), let asset = try await services.store.asset(id: id) else {
            throw ExecutionError(code: "unknown-asset", message: "no asset \(id)")
        }
        return try await services.storage.localPath(for: asset.key)
    }
}
