@testable import CLLN
@testable import CLLNRuns
import CLLNReport
import Foundation
import Synchronization
import Testing

/// Per-epoch checkpoints of supervised trials: a trial stopped after any epoch and resumed from
/// its checkpoint ends bit for bit as the uninterrupted one (idealized solver, warm starts kept;
/// dense and sparse paths), through the run folder and `--resume` too; a checkpoint of another
/// run is refused.
@Suite struct SupervisedCheckpointTests {
    /// Runs trial `k` of `trial`, keeping every checkpoint it saves (through JSON, as the run
    /// folder stores them) and the progress units it reports.
    func run(
        _ trial: SupervisedTrial, _ k: Int = 0, on backend: SolverBackend = SolverBackend(), from checkpoint: SupervisedTrial.Checkpoint? = nil
    ) throws -> (result: SupervisedTrialResult, checkpoints: [SupervisedTrial.Checkpoint], progress: Int) {
        let saved = Mutex<[Data]>([])
        let units = Mutex(0)
        let context = TrialContext<SupervisedTrial.Checkpoint>(
            resumeFrom: checkpoint, saveCheckpoint: { c in try saved.withLock { $0.append(try JSONOutput.encode(c)) } },
            progress: { n in units.withLock { $0 += n } })
        let result = try trial.run(k, on: backend, context: context)
        let checkpoints = try saved.withLock { $0 }.map { try JSONOutput.decode(SupervisedTrial.Checkpoint.self, from: $0) }
        return (result, checkpoints, units.withLock { $0 })
    }

    /// The metrics of a history (its seconds differ from run to run).
    func metrics(_ history: [SupervisedEpochRecord]) -> [[Double]] {
        history.map { [Double($0.epoch), $0.trainLoss, $0.trainMetric, $0.testLoss, $0.testMetric, Double($0.nudged)] }
    }

    /// Stops `task`'s trial 0 after every epoch in turn (a checkpoint per epoch) and resumes it:
    /// each resumed trial ends with the uninterrupted trial's gates, history, outputs and counts.
    func expectExactResume(_ task: SupervisedTask, on backend: SolverBackend = SolverBackend(), seed: UInt64 = 0) throws {
        let trial = SupervisedTrial(task: task, seed: seed, checkpointSeconds: 0)
        let whole = try run(trial, on: backend)
        #expect(whole.checkpoints.map(\.epochsDone) == Array(1..<task.epochs), "a checkpoint after every epoch but the last")
        #expect(whole.progress == task.epochs)
        #expect(whole.checkpoints.allSatisfy { $0.trainWarmStarts != nil && $0.learning.warmStarts != nil }, "small network: warm starts kept")
        for checkpoint in whole.checkpoints {
            let resumed = try run(trial, on: backend, from: checkpoint)
            let done = checkpoint.epochsDone
            #expect(resumed.result.finalGates == whole.result.finalGates, "\(task.name) resumed after epoch \(done)")
            #expect(resumed.result.initialGates == whole.result.initialGates)
            #expect(metrics(resumed.result.history) == metrics(whole.result.history), "\(task.name) resumed after epoch \(done)")
            #expect(resumed.result.testOutputs == whole.result.testOutputs && resumed.result.initialTestOutputs == whole.result.initialTestOutputs)
            #expect(resumed.result.testPredicted == whole.result.testPredicted && resumed.result.solvedAtEpoch == whole.result.solvedAtEpoch)
            #expect(resumed.result.freeSolves == whole.result.freeSolves && resumed.result.clampedSolves == whole.result.clampedSolves)
            // The epochs before the checkpoint come from it, seconds included; the bar still ends full.
            #expect(Array(resumed.result.history.prefix(checkpoint.history.count)) == checkpoint.history)
            #expect(resumed.progress == task.epochs)
            #expect(resumed.checkpoints.map(\.epochsDone) == Array(done + 1..<task.epochs))
        }
    }

    @Test func xorResumesBitForBit() throws {
        var task = try SupervisedTasks.xor()
        task.epochs = 8
        try expectExactResume(task)
    }

    @Test func smallLatticeTeacherResumesBitForBit() throws {
        var task = try SupervisedTasks.latticeTeacher(TaskEncoding(side: 12))
        (task.epochs, task.evaluateEvery) = (4, 2)
        #expect(task.topology.nodeCount - task.topology.inputs.count > IdealSolver.Options().sparseThreshold, "the sparse path")
        try expectExactResume(task)
    }

    @Test func adamMomentsAreCarriedOver() throws {
        var task = try SupervisedTasks.regression()
        task.epochs = 6
        // A step well under the clip, so the moments set each update's size, not only its sign.
        task.options.adam.step = 0.0005
        #expect(task.options.normalization == .adam)
        let trial = SupervisedTrial(task: task, seed: 1, checkpointSeconds: 0)
        let checkpoint = try #require(try run(trial).checkpoints.first { $0.epochsDone == 3 })
        let adam = try #require(checkpoint.learning.adam)
        #expect(adam.t == 3, "one batch of 8 per epoch")
        #expect(adam.m.contains { $0 != 0 } && adam.v.contains { $0 > 0 })
        try expectExactResume(task, seed: 1)
        // Fresh moments instead of the saved ones change the result: the state is needed.
        var reset = checkpoint
        reset.learning.adam = AdamScaler(parameters: task.options.adam, count: task.topology.edgeCount)
        #expect(try run(trial, from: reset).result.finalGates != run(trial).result.finalGates)
    }

    @Test func errorWeightsAndReadNoiseAreCarriedOver() throws {
        var task = try SupervisedTasks.xor()
        task.epochs = 8
        (task.options.errorWeightExponent, task.options.normalization) = (1, .batch)
        let noisy = SolverBackend(chip: ChipSpec(sigmaThreshold: 0.005, seed: 4, twin: true, readNoise: 0.002))
        let trial = SupervisedTrial(task: task, seed: 2, checkpointSeconds: 0)
        let checkpoint = try #require(try run(trial, on: noisy).checkpoints.first { $0.epochsDone == 4 })
        #expect(checkpoint.learning.errorWeights.count == task.train.count && !checkpoint.learning.errorWeights.isTrivial)
        try expectExactResume(task, on: noisy, seed: 2)
        // The read-noise generator's saved state matters: a fresh one gives other gates.
        var reset = checkpoint
        reset.learning.noise = SeededGenerator(seed: 99)
        #expect(try run(trial, on: noisy, from: reset).result.finalGates != run(trial, on: noisy).result.finalGates)
    }

    @Test func aCheckpointOfAnotherRunIsRefused() throws {
        var xor = try SupervisedTasks.xor()
        xor.epochs = 4
        let trial = SupervisedTrial(task: xor, seed: 0, checkpointSeconds: 0)
        let checkpoint = try #require(try run(trial).checkpoints.first)
        func refuses(_ other: SupervisedTrial, trial k: Int = 0, _ why: Comment) {
            #expect(throws: LearningError.self, why) { _ = try run(other, k, from: checkpoint) }
        }
        refuses(SupervisedTrial(task: xor, seed: 1, checkpointSeconds: 0), "another seed")
        refuses(trial, trial: 1, "another trial")
        var longer = xor
        longer.epochs = 5
        refuses(SupervisedTrial(task: longer, seed: 0), "another epoch count")
        // Same network (the 4×4 lattice, 32 edges), another task.
        var regression = try SupervisedTasks.regression()
        regression.epochs = 4
        #expect(regression.topology.edgeCount == xor.topology.edgeCount)
        refuses(SupervisedTrial(task: regression, seed: 0), "another task on the same network")
        var broken = checkpoint
        broken.gates.removeLast()
        #expect(throws: LearningError.self) { _ = try run(trial, from: broken) }
        // Its message names both runs and the way out.
        do {
            _ = try run(SupervisedTrial(task: xor, seed: 1), from: checkpoint)
        } catch {
            #expect("\(error)".contains("seed 0") && "\(error)".contains("seed 1") && "\(error)".contains("--resume"))
        }
    }

    @Test func checkpointsAreSpacedBySeconds() throws {
        var task = try SupervisedTasks.xor()
        task.epochs = 6
        #expect(try run(SupervisedTrial(task: task, seed: 0, checkpointSeconds: 3600)).checkpoints.isEmpty)
        #expect(SupervisedTrial(task: task, seed: 0).checkpointSeconds > 0, "the default does not write a file per epoch")
        // Warm starts are kept only under the limit.
        let big = try SupervisedTasks.latticeTeacher(TaskEncoding(side: 40))
        #expect(!SupervisedTrial(task: big, seed: 0).keepsWarmStarts)
        #expect(SupervisedTrial(task: task, seed: 0).keepsWarmStarts)
    }

    @Test func warmStartsLeftOutChangeSolutionsOnlyWithinTheSolverTolerance() throws {
        var task = try SupervisedTasks.xor()
        task.epochs = 6
        let trial = SupervisedTrial(task: task, seed: 0, checkpointSeconds: 0)
        let whole = try run(trial)
        var cold = try #require(whole.checkpoints.first { $0.epochsDone == 3 })
        (cold.learning.warmStarts, cold.trainWarmStarts, cold.testWarmStarts) = (nil, nil, nil)
        let resumed = try run(trial, from: cold).result
        let gap = zip(resumed.finalGates, whole.result.finalGates).map { abs($0 - $1) }.max() ?? .infinity
        #expect(gap <= 1e-12, "largest gate difference \(gap) V")
        #expect(resumed.testPredicted == whole.result.testPredicted)
    }

    @Test func resumeThroughTheRunFolderContinuesTheCheckpoint() throws {
        var task = try SupervisedTasks.xor()
        (task.epochs, task.trials) = (8, 2)
        let trial = SupervisedTrial(task: task, seed: 5, checkpointSeconds: 0)
        let whole = RunFolder(FileManager.default.temporaryDirectory.appendingPathComponent("clln-sup-ckpt-\(UUID().uuidString)"))
        let cut = RunFolder(FileManager.default.temporaryDirectory.appendingPathComponent("clln-sup-ckpt-\(UUID().uuidString)"))
        defer { for f in [whole, cut] { try? FileManager.default.removeItem(at: f.url) } }
        let full = try RunScheduler(jobs: 1).run(trial, on: SolverBackend(), in: whole)
        // Trial 0 was killed after epoch 3: only its checkpoint is left; trial 1 finished.
        _ = try RunScheduler(jobs: 1).run(trial, on: SolverBackend(), in: cut)
        let checkpoint = try #require(try run(trial).checkpoints.first { $0.epochsDone == 3 })
        try FileManager.default.removeItem(at: cut.resultFile(0))
        try cut.storeCheckpoint(checkpoint, trial: 0)
        let resumed = try RunScheduler(jobs: 1, resume: true).run(trial, on: SolverBackend(), in: cut)
        let a = try #require(cut.result(SupervisedTrialResult.self, trial: 0))
        let b = try #require(whole.result(SupervisedTrialResult.self, trial: 0))
        #expect(Array(a.history.prefix(checkpoint.history.count)) == checkpoint.history, "the history starts with the checkpoint's epochs")
        #expect(a.finalGates == b.finalGates && metrics(a.history) == metrics(b.history))
        #expect(resumed.trials.map(\.testMetric) == full.trials.map(\.testMetric))
        #expect(!FileManager.default.fileExists(atPath: cut.checkpointFile(0).path), "the finished trial's checkpoint is gone")
        // Without --resume the checkpoint is forgotten and the trial starts over.
        try FileManager.default.removeItem(at: cut.resultFile(0))
        try cut.storeCheckpoint(checkpoint, trial: 0)
        _ = try RunScheduler(jobs: 1).run(trial, on: SolverBackend(), in: cut)
        let fresh = try #require(cut.result(SupervisedTrialResult.self, trial: 0))
        #expect(fresh.history.first?.trainSeconds == 0 && fresh.history[1].trainSeconds != checkpoint.history[1].trainSeconds)
    }
}
