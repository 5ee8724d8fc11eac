public import MixdownExecution
internal import MixdownRecipe
import MixdownStorage

/// Resolves `{ asset: ID }` inputs through the job store and storage.
public struct StoreAssetResolver: AssetResolver {
    public let services: MixdownServices
    /// Where objects of a remote storage are downloaded: the job's (or request's) temporary folder.
    public let directory: String

    public init(services: MixdownServices, directory: String) {
        self.services = services
        self.directory = directory
    }

    public func localPath(forAsset id: String) async throws -> String {
        guard Identifier.isValid(id, prefix: "ast_"), let asset = try await services.store.asset(id: id) else {
            throw MixdownError(code: .unknownAsset, message: "no asset \(id)")
        }
        return try await services.storage.localPath(for: asset.key, downloadingInto: directory)
    }
}
