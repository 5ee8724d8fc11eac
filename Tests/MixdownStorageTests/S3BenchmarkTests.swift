import Foundation
import MixdownStorage
import MixdownTestSupport
import Testing

/// Throughput and memory of the adapter next to boto3 on the same moto server in the same run. Skipped
/// unless `MIXDOWN_BENCH_S3=1` (Benchmarks/s3.sh sets it); it prints numbers and asserts nothing about
/// time, which belongs to no unit test.
@Suite("S3Benchmark", .enabled(if: ProcessInfo.processInfo.environment["MIXDOWN_BENCH_S3"] == "1"))
struct S3BenchmarkTests {
    static var sizes: [Int] {
        var sizes = [1_000_000, 100_000_000]
        if ProcessInfo.processInfo.environment["MIXDOWN_BENCH_S3_LARGE"] == "1" { sizes.append(1_000_000_000) }
        return sizes
    }

    /// Peak resident memory so far, in MiB (VmHWM: it only grows, so each line shows the peak up to then).
    static func peakRSS() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    static func seconds(_ work: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await work()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("upload and download 1 MB, 100 MB (and 1 GB) with the adapter and with boto3")
    func throughput() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("bench")
        let storage = S3Storage(
            settings: try S3Settings(
                endpoint: server.endpoint,
                bucket: bucket,
                credentials: SigV4Credentials(accessKeyId: "bench", secretAccessKey: "bench")
            )
        )
        let directory = try TestMedia.temporaryDirectory("s3-bench")
        defer { try? FileManager.default.removeItem(at: directory) }
        print("s3 bench: moto \(server.endpoint); peak RSS at start \(Self.peakRSS()) MiB")
        for size in Self.sizes {
            let source = directory.appendingPathComponent("source-\(size).bin").path
            // Flushed before timing: otherwise the kernel writes the new file back to disk during the first
            // upload (ours), and only the second (boto3's) reads a clean page cache.
            _ = try Shell.run("sh", ["-c", "head -c \(size) /dev/urandom > '\(source)' && sync"])
            let key = try StorageKey("bench/ours-\(size).bin")
            let up = try await Self.seconds { _ = try await storage.put(file: source, key: key, contentType: "application/octet-stream") }
            var downloaded = ""
            let down = try await Self.seconds { downloaded = try await storage.localPath(for: key, downloadingInto: directory.path) }
            try FileManager.default.removeItem(atPath: downloaded)
            let ours = "ours: up \(Self.rate(size, up)), down \(Self.rate(size, down)), peak RSS \(Self.peakRSS()) MiB"

            let script = """
                import boto3, json, resource, sys, time
                from boto3.s3.transfer import TransferConfig
                c = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
                                 aws_access_key_id='bench', aws_secret_access_key='bench')
                config = TransferConfig(multipart_threshold=16 * 1024 * 1024, multipart_chunksize=16 * 1024 * 1024, max_concurrency=4)
                t = time.monotonic(); c.upload_file(sys.argv[3], sys.argv[2], 'bench/boto3.bin', Config=config); up = time.monotonic() - t
                t = time.monotonic(); c.download_file(sys.argv[2], 'bench/boto3.bin', sys.argv[3] + '.down', Config=config); down = time.monotonic() - t
                print(json.dumps({'up': up, 'down': down, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
                """
            let status = try Shell.run("python3", ["-c", script, server.endpoint, bucket, source])
            try? FileManager.default.removeItem(atPath: source + ".down")
            try FileManager.default.removeItem(atPath: source)
            try await storage.delete(key)
            guard status.exitCode == 0,
                let boto = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Double],
                let botoUp = boto["up"], let botoDown = boto["down"]
            else {
                print("s3 bench \(size) B: \(ours); boto3 failed: \(status.standardError)")
                continue
            }
            print(
                "s3 bench \(size / 1_000_000) MB: \(ours) | boto3: up \(Self.rate(size, botoUp)), down \(Self.rate(size, botoDown)), "
                    + "peak RSS \(Int(boto["rss"] ?? 0)) MiB | time ratio ours/boto3: up \(Self.ratio(up, botoUp)), down \(Self.ratio(down, botoDown))"
            )
        }
    }

    static func rate(_ bytes: Int, _ seconds: Double) -> String {
        let value = Double(bytes) / 1e6 / max(seconds, 1e-9)
        return "\(Double(Int(value * 10)) / 10) MB/s (\(Double(Int(seconds * 1000)) / 1000) s)"
    }

    static func ratio(_ ours: Double, _ theirs: Double) -> String {
        "\(Double(Int(ours / max(theirs, 1e-9) * 100)) / 100)x"
    }
}
