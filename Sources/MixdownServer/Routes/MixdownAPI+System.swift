internal import Foundation
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    func ready() async throws -> Response {
        do {
            try await services.store.checkReady()
            try await services.storage.checkReady()
            return try JSONResponse.make(["status": "ready"])
        } catch {
            throw ProblemDocument(.serviceUnavailable, code: "not-ready", detail: "store or storage unreachable: \(error)")
        }
    }

    func metricsText() async throws -> Response {
        let counts = try await services.store.statusCounts()
        let text = ServerMetrics.text(jobCounts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }))
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `POST /v1/recipes/validate`: the CLI's validate over HTTP: 200, or 422 with every diagnostic.
    func validate(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let submission = try await Submission.read(request, context: context, api: self)
        defer { submission.removeTemporaryFiles() }
        do {
            let recipe = try RecipeParser(options: .init(parameterOverrides: submission.overrides)).parse(submission.recipe, file: submission.name)
            return try JSONResponse.make(
                Validation(valid: true, kind: recipe.kind.rawValue, inputs: recipe.inputs.map(\.name), outputs: recipe.outputs.map(\.name))
            )
        } catch let error as RecipeError {
            throw ProblemDocument.invalidRecipe(error)
        }
    }

    struct Validation: Encodable {
        var valid: Bool
        var kind: String
        var inputs: [String]
        var outputs: [String]
    }

    /// `POST /v1/recipes/plan`: the plan as JSON; upload inputs name assets (`inputs`).
    func plan(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let submission = try await Submission.read(request, context: context, api: self)
        defer { submission.removeTemporaryFiles() }
        let recipe: Recipe
        do {
            let uploads = Set(submission.assetInputs.keys).union(submission.files.keys)
            recipe = try RecipeParser(options: .init(parameterOverrides: submission.overrides, providedUploads: uploads)).parse(
                submission.recipe,
                file: submission.name
            )
            if let input = recipe.inputs.first(where: { if case .file = $0.source { true } else { false } }) {
                throw RecipeError([
                    RecipeDiagnostic(
                        code: "file-input-not-allowed",
                        message: "input '\(input.name)': upload it instead of naming a server file",
                        location: input.location
                    )
                ])
            }
        } catch let error as RecipeError {
            throw ProblemDocument.invalidRecipe(error)
        }
        var uploads = submission.files
        for (name, id) in submission.assetInputs {
            guard let asset = try await services.store.asset(id: id) else {
                throw ProblemDocument(.unprocessableContent, code: "unknown-asset", detail: "no asset \(id)")
            }
            uploads[name] = try await services.storage.localPath(for: asset.key)
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let preparation = RecipePreparation(
            tools: services.tools,
            prober: services.prober,
            limits: services.inputLimits,
            assets: StoreAssetResolver(services: services)
        )
        do {
            let (plan, _) = try await preparation.plan(
                recipe,
                recipeDirectory: work,
                uploads: uploads,
                preview: submission.preview,
                workDirectory: work
            )
            return try JSONResponse.make(plan)
        } catch let error as RecipeError {
            throw ProblemDocument.invalidRecipe(error)
        } catch let error as ExecutionError {
            throw ProblemDocument(.unprocessableContent, code: error.code, detail: error.description)
        }
    }

    /// `POST /v1/webhooks/render`: the remote render service's callback, authenticated by a shared secret
    /// compared in constant time. Dispatching renders to that service comes with the render issue; until
    /// then an authenticated callback is acknowledged and logged.
    func renderWebhook(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let secret = configuration.webhookSecret, let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            ConstantTime.equals(String(header.dropFirst(7)), secret)
        else { throw ProblemDocument(.unauthorized, code: "unauthorized", detail: "the webhook secret is missing or wrong") }
        let body = try await Submission.collect(request.body, limit: 64 * 1024)
        guard (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any] else {
            throw ProblemDocument(.badRequest, code: "bad-json", detail: "the callback body must be a JSON object")
        }
        return try JSONResponse.make(["status": "accepted"], status: .accepted)
    }
}
