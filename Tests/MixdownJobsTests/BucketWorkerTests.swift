import Foundation
import MixdownTestSupport
import Testing

/// With files in a bucket, a worker needs nothing on its own disk: one started on a "fresh machine" (its
/// own working folder and temporary folder) finds every input in the bucket, stores its outputs there,
/// and leaves nothing behind.
@Suite("Workers on a bucket")
struct BucketWorkerTests {
    @Test("a worker on a fresh machine runs a job whose upload is only in the bucket, and keeps no file")
    func freshMachine() throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("fresh")
        let submitter = try TestMedia.temporaryDirectory("submitter")
        let environment = [
            "MIXDOWN_STORE": "sqlite:\(submitter.appendingPathComponent("store.sqlite").path)",
            "MIXDOWN_STORAGE": "s3://\(bucket)/media",
            "S3_ENDPOINT": server.endpoint,
            "S3_ACCESS_KEY_ID": "AKIDTEST",
            "S3_SECRET_ACCESS_KEY": "test-secret",
            "MIXDOWN_POLL_SECONDS": "0.5",
        ]
        let recipes = try TestMedia.recipesCopy()
        let submitted = try Shell.mixdown(
            [
                "submit", recipes.appendingPathComponent("quick-preview.yaml").path, "--input", "voice=\(try TestMedia.path("voice.wav"))",
                "--preview", "5,3", "--json",
            ],
            environment: environment
        )
        #expect(submitted.exitCode == 0, "\(submitted.standardError)")
        let job = try #require(try JSONSerialization.jsonObject(with: Data(submitted.standardOutput.utf8)) as? [String: Any])
        let id = try #require(job["id"] as? String)

        // The fresh machine: another working folder and another temporary folder; only the store and the bucket are shared.
        let machine = try TestMedia.temporaryDirectory("fresh-machine")
        let temporary = machine.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let worker = try Shell.run(
            Shell.mixdown,
            ["worker", "--exit-when-idle"],
            environment: environment.merging(["TMPDIR": temporary.path]) { $1 },
            directory: machine
        )
        #expect(worker.exitCode == 0, "\(worker.standardError)")
        let shown = try Shell.mixdown(["jobs", "show", id, "--json"], environment: environment)
        let done = try #require(try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any])
        #expect(done["status"] as? String == "succeeded", "\(done["error"] ?? "")")
        let outputs = try #require((done["result"] as? [String: Any])?["outputs"] as? [[String: Any]])
        #expect(outputs.count == 1 && (outputs.first?["bytes"] as? Int ?? 0) > 0)

        // Nothing kept on the worker's disk: no file under its temporary folder or its working folder.
        var left: [String] = []
        for root in [temporary.path, machine.path] {
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let next = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(root)/\(next)", isDirectory: &isDirectory), !isDirectory.boolValue {
                    left.append(next)
                }
            }
        }
        #expect(left == [])
    }
}
