import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// Our engine and the PyTorch trainer (python/userllm_torch) share runs both ways, on a real
/// tiny run of MovieLens-100K:
///   - our engine pretrains and finetunes xattn+perceiver, `TensorExport` writes its data;
///   - PyTorch finetunes the same model from that export into a new run directory, which
///     `RunContext.open` / `Evaluator` (what `userllm eval` and `userllm-tui` use) open, and
///     our logits on a fixed batch equal PyTorch's to 1e-4;
///   - the other way: PyTorch loads the run our engine trained (same logits to 1e-4) and
///     continues training from it.
/// Needs /usr/bin/python3 with torch and safetensors: skipped without them, failed under CI=true.
final class TorchInteropTests: XCTestCase {
    static let python = "/usr/bin/python3"
    static let choice = ModelChoice(mode: .xattn, perceiver: true)

    func requireTorch() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python)
        p.arguments = ["-c", "import torch, safetensors"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let ok = (try? p.run()).map { p.waitUntilExit(); return p.terminationStatus == 0 } ?? false
        if !ok {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("CI: \(Self.python) lacks torch or safetensors") }
            throw XCTSkip("\(Self.python) lacks torch or safetensors (scripts/install-deps.sh --test installs them)")
        }
    }

    /// Runs `python -m userllm_torch.<module> args`; fails with its stderr.
    @discardableResult
    func python(_ module: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python)
        p.arguments = ["-m", "userllm_torch.\(module)"] + args
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = PipelineFixture.packageRoot.appendingPathComponent("python").path
        env["OMP_NUM_THREADS"] = "2"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw RunError.badRun("python -m userllm_torch.\(module) failed: \(String(decoding: errData, as: UTF8.self).suffix(2000))")
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// Our logits for the batch PyTorch stored beside its logits.
    func assertSameLogits(_ context: RunContext, dumped url: URL, _ what: String) throws {
        let f = try Safetensors.read(url)
        let model = try context.loadModel(Self.choice).model
        let ours = Autograd.noGrad {
            model.logits(try! MirrorGoldenTests.tokens(f), events: try! MirrorGoldenTests.events(f))
        }
        let theirs = try f.tensor("logits")
        XCTAssertEqual(ours.shape, theirs.shape, what)
        var worst: Float = 0, scale: Float = 0
        for i in 0..<theirs.count {
            scale = max(scale, abs(theirs.pointer[i]))
            worst = max(worst, abs(ours.pointer[i] - theirs.pointer[i]))
        }
        print("\(what): logits \(theirs.shape), max |ours − PyTorch| / max |PyTorch| = \(worst / scale)")
        XCTAssertLessThanOrEqual(worst / scale, 1e-4, what)
    }

    func testRunsTravelBetweenOurEngineAndPyTorch() throws {
        try requireTorch()
        let dataDir = PipelineFixture.dataRoot.appendingPathComponent("movielens-100k")
        guard FileManager.default.fileExists(atPath: dataDir.path) else {
            throw XCTSkip("no MovieLens-100K at \(dataDir.path) (USERLLM_TEST_DATA)")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-torch-interop-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        defer { try? FileManager.default.removeItem(at: root) }
        var preset = try Preset.named("tiny")
        for k in [\Preset.Stages.lm, \.encoder, \.finetune, \.finetuneTP] {
            preset.stages[keyPath: k].steps = 6
            preset.stages[keyPath: k].warmupSteps = 2
            preset.stages[keyPath: k].evalEvery = 6
            preset.stages[keyPath: k].evalBatches = 1
        }
        let ours = root.appendingPathComponent("ours"), export = root.appendingPathComponent("export")
        let torchRun = root.appendingPathComponent("torch"), continued = root.appendingPathComponent("continued")
        let config = RunConfig(dataset: "movielens-100k", dataDir: dataDir.path, preset: preset, tasks: ["next-item"])
        let context = try RunContext(run: RunDirectory(ours), config: config)
        try TrainingPipeline(context: context).run(models: [Self.choice])

        let manifest = try TensorExport(context: context, mode: .xattn).write(to: export)
        XCTAssertEqual(manifest.parts["train"]?.examples, context.builder.examples(.nextItem, .train).count)
        XCTAssertEqual(manifest.users, context.builder.timelines.count)

        // PyTorch trains; our tools open its run.
        try python("train", ["--export", export.path, "--run", torchRun.path, "--mode", "xattn", "--perceiver",
                             "--strategy", "full", "--steps", "3", "--threads", "2"])
        let opened = try RunContext.open(torchRun)
        let evaluator = Evaluator(context: opened)
        XCTAssertEqual(evaluator.availableModels(), [Self.choice])
        let report = try evaluator.evaluate(models: [Self.choice], options: EvaluationOptions(tasks: [.nextItem], limit: 3))
        XCTAssertFalse(report.table().rows.isEmpty)
        XCTAssertNotNil(try opened.run.readMetrics().stages[Self.choice.name]?.training)
        let torchDump = root.appendingPathComponent("torch-logits.safetensors")
        try python("logits", ["--run", torchRun.path, "--export", export.path, "--model", Self.choice.name, "--out", torchDump.path])
        try assertSameLogits(opened, dumped: torchDump, "PyTorch-trained run in our engine")

        // The other way: PyTorch reads the run our engine trained, and trains on from it.
        let oursDump = root.appendingPathComponent("ours-logits.safetensors")
        try python("logits", ["--run", ours.path, "--export", export.path, "--model", Self.choice.name, "--out", oursDump.path])
        try assertSameLogits(context, dumped: oursDump, "our run in PyTorch")
        try python("train", ["--export", export.path, "--run", continued.path, "--mode", "xattn", "--perceiver",
                             "--strategy", "full", "--steps", "2", "--threads", "2", "--init-from", ours.path])
        XCTAssertEqual(Evaluator(context: try RunContext.open(continued)).availableModels(), [Self.choice])
    }

    /// The PyTorch trainer's batch s is our BatchOrder's batch s (SplitMix64 Fisher–Yates,
    /// epochs wrapping mid-batch): both trainers see the same examples at every step.
    func testBatchOrderIsOurs() throws {
        try requireTorch()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python)
        p.arguments = ["-c", "import json, sys; from userllm_torch.data import BatchOrder; o = BatchOrder(103, 16, 17); "
                       + "print(json.dumps([o.indices(s) for s in (0, 6, 7, 40)]))"]
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = PipelineFixture.packageRoot.appendingPathComponent("python").path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let theirs = try JSONDecoder().decode([[Int]].self, from: data)
        let order = BatchOrder(count: 103, batchSize: 16, seed: 17)
        XCTAssertEqual(theirs, [0, 6, 7, 40].map { order.indices(step: $0) })
    }
}
