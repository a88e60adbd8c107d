@testable import CLLN
@testable import CLLNRuns
import CLLNReport
import Foundation
import Testing

/// The run layer: one folder layout, resume, failed and crashed trials, and a run kind of one's
/// own plugging in as a small conformer.
@Suite struct RunLayerTests {
    func temporaryFolder() -> RunFolder {
        RunFolder(FileManager.default.temporaryDirectory.appendingPathComponent("clln-run-\(UUID().uuidString)"))
    }

    var shortFourState: QLearningExperiment {
        var e = ExperimentPresets.fourState
        (e.trials, e.config.steps) = (3, 600)
        return e
    }

    /// A run kind of its own: trial k sums the first k+1 integers; trial `failing` throws.
    struct CountingTrial: Trial {
        static let kind = "counting"
        var trialCount: Int
        /// An injected failure, not a setting: kept out of the run's recorded settings.
        var failing: Int?
        enum CodingKeys: String, CodingKey { case trialCount }
        var name: String { "counting" }
        var progressUnits: Int { 1 }
        struct Result: Codable, Sendable { var trial: Int; var sum: Int }
        struct Failure: Error {}
        func isResult(_ result: Result, ofTrial k: Int) -> Bool { result.trial == k }
        func run(_ k: Int, on backend: InProcessBackend, context: TrialContext<NoCheckpoint>) throws -> Result {
            if k == failing { throw Failure() }
            context.progress(1)
            return Result(trial: k, sum: (0...k).reduce(0, +))
        }
        func report(_ outcome: RunOutcome<Result, InProcessBackend>, into folder: RunFolder) throws -> [Int] {
            try folder.writeJSON(outcome.results.map(\.result.sum), to: "summary.json")
            return outcome.results.map(\.result.sum)
        }
    }

    @Test func aRunKindOfOnesOwnGetsFailuresAndResume() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let first = try RunScheduler(jobs: 2).run(CountingTrial(trialCount: 4, failing: 2), on: InProcessBackend(), in: folder)
        #expect(first == [0, 1, 6])
        #expect(folder.failure(trial: 2)?.contains("Failure") == true)
        // Resuming runs only the failed trial; the others are read back.
        let resumed = try RunScheduler(jobs: 2, resume: true).run(CountingTrial(trialCount: 4), on: InProcessBackend(), in: folder)
        #expect(resumed == [0, 1, 3, 6])
        #expect(folder.failure(trial: 2) == nil)
    }

    /// `--resume` continues only the run the folder holds: other settings, another backend or
    /// another trial kind are refused before anything runs, naming what differs; the same ones,
    /// or a folder from before settings were recorded, resume.
    @Test func resumingWithOtherSettingsIsRefusedNamingThem() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        var task = try SupervisedTasks.xor()
        (task.epochs, task.trials) = (3, 2)
        let trial = SupervisedTrial(task: task, seed: 0)
        _ = try RunScheduler(jobs: 1).run(trial, on: SolverBackend(), in: folder)
        var faster = task
        faster.rule.alpha *= 2
        let resume = RunScheduler(jobs: 1, resume: true)
        do {
            _ = try resume.run(SupervisedTrial(task: faster, seed: 0), on: SolverBackend(), in: folder)
            Issue.record("a changed α was resumed")
        } catch let error as RunSettingsError {
            #expect("\(error)".contains("trial.task.rule.alpha") && "\(error)".contains("drop --resume"), "\(error)")
        }
        #expect(throws: RunSettingsError.self) { try resume.run(SupervisedTrial(task: task, seed: 1), on: SolverBackend(), in: folder) }
        #expect(throws: RunSettingsError.self) {
            try resume.run(trial, on: SolverBackend(kind: .spice, model: "ald1106"), in: folder)
        }
        #expect(throws: RunSettingsError.self) { try resume.run(CountingTrial(trialCount: 2), on: InProcessBackend(), in: folder) }
        // A change inside a long array (the data set, kept as a digest) is found too.
        var relabelled = task
        relabelled.train[0].targets[0] += 1e-9
        #expect(throws: RunSettingsError.self) { try resume.run(SupervisedTrial(task: relabelled, seed: 0), on: SolverBackend(), in: folder) }
        let again = try resume.run(trial, on: SolverBackend(), in: folder)
        #expect(again.trials.count == 2)
        // Settings recorded before the trial count was kept resume too.
        var recorded = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.settingsFile)) as? [String: Any])
        recorded["trials"] = nil
        try JSONSerialization.data(withJSONObject: recorded).write(to: folder.settingsFile)
        #expect(try resume.run(trial, on: SolverBackend(), in: folder).trials.count == 2)
        try FileManager.default.removeItem(at: folder.settingsFile)
        #expect(try resume.run(trial, on: SolverBackend(), in: folder).trials.count == 2)
        #expect(FileManager.default.fileExists(atPath: folder.settingsFile.path))
    }

    /// `--resume` with more trials extends a run: the finished trials are read back untouched,
    /// the new ones run, and the whole equals a run started with that many trials; fewer
    /// trials, or more with another setting, are refused naming the fix or the setting.
    @Test func resumingWithMoreTrialsExtendsTheRun() throws {
        let folder = temporaryFolder()
        let fresh = temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: folder.url)
            try? FileManager.default.removeItem(at: fresh.url)
        }
        var task = try SupervisedTasks.xor()
        (task.epochs, task.trials) = (3, 2)
        _ = try RunScheduler(jobs: 1).run(SupervisedTrial(task: task, seed: 5), on: SolverBackend(), in: folder)
        let firstResult = folder.url.appendingPathComponent("trials/trial-0.json")
        let written = try FileManager.default.attributesOfItem(atPath: firstResult.path)[.modificationDate] as? Date
        var longer = task
        longer.trials = 4
        let resume = RunScheduler(jobs: 1, resume: true)
        let extended = try resume.run(SupervisedTrial(task: longer, seed: 5), on: SolverBackend(), in: folder)
        #expect(try FileManager.default.attributesOfItem(atPath: firstResult.path)[.modificationDate] as? Date == written)
        let reference = try RunScheduler(jobs: 1).run(SupervisedTrial(task: longer, seed: 5), on: SolverBackend(), in: fresh)
        #expect(extended.trials.count == 4 && extended.failedTrials.isEmpty)
        #expect(extended.trials.map(\.testLoss) == reference.trials.map(\.testLoss))
        #expect(extended.trials.map(\.seed) == reference.trials.map(\.seed))
        // The folder now holds a 4-trial run: resuming it with 2 or 3 is refused, with 4 it resumes.
        var shorter = task
        shorter.trials = 3
        do {
            _ = try resume.run(SupervisedTrial(task: shorter, seed: 5), on: SolverBackend(), in: folder)
            Issue.record("a run was cut to fewer trials")
        } catch let error as RunSettingsError {
            #expect("\(error)".contains("--trials 4 or more"), "\(error)")
        }
        #expect(try resume.run(SupervisedTrial(task: longer, seed: 5), on: SolverBackend(), in: folder).trials.count == 4)
        // Settings recorded before the trial count was kept: the count is read where they differ.
        var recorded = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.settingsFile)) as? [String: Any])
        recorded["trials"] = nil
        try JSONSerialization.data(withJSONObject: recorded).write(to: folder.settingsFile)
        var five = task
        five.trials = 5
        #expect(try resume.run(SupervisedTrial(task: five, seed: 5), on: SolverBackend(), in: folder).trials.count == 5)
        var faster = longer
        (faster.trials, faster.rule.alpha) = (6, longer.rule.alpha * 2)
        do {
            _ = try resume.run(SupervisedTrial(task: faster, seed: 5), on: SolverBackend(), in: folder)
            Issue.record("more trials with a changed α were resumed")
        } catch let error as RunSettingsError {
            #expect("\(error)".contains("trial.task.rule.alpha") && !"\(error)".contains("trials,"), "\(error)")
        }
    }

    @Test func aCrashedWorkerIsReportedAndAFinishedTrialIsKept() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trial = QLearningTrial(experiment: shortFourState, seed: 1)
        RunScheduler.runOne(trial, 0, on: SolverBackend(), in: folder, resume: false) { _ in }
        folder.recordCrash("ignored: trial 0 finished", trial: 0)
        folder.recordCrash("the worker process for trial 1 was killed by signal 9", trial: 1)
        folder.recordCrash("a second report does not overwrite the first", trial: 1)
        #expect(folder.result(TrialResult.self, trial: 0) != nil)
        #expect(folder.failure(trial: 0) == nil)
        #expect(folder.failure(trial: 1)?.contains("signal 9") == true)
    }

    @Test func resumingQLearningAndSupervisedRunsGivesTheUninterruptedResult() throws {
        // Q-learning: lose trial 1, resume: the summary equals the uninterrupted one.
        let q = QLearningTrial(experiment: shortFourState, seed: 3)
        let a = temporaryFolder(), b = temporaryFolder()
        defer { for f in [a, b] { try? FileManager.default.removeItem(at: f.url) } }
        let whole = try RunScheduler(jobs: 2).run(q, on: SolverBackend(), in: a)
        _ = try RunScheduler(jobs: 2).run(q, on: SolverBackend(), in: b)
        try FileManager.default.removeItem(at: b.resultFile(1))
        let resumed = try RunScheduler(jobs: 2, resume: true).run(q, on: SolverBackend(), in: b)
        #expect(resumed.trials.map(\.policy) == whole.trials.map(\.policy))
        #expect(resumed.trials.map(\.reward) == whole.trials.map(\.reward))
        #expect(b.result(TrialResult.self, trial: 1)?.finalGates == a.result(TrialResult.self, trial: 1)?.finalGates)

        // Supervised: the same, and a trial that left no file is "no result", not silently dropped.
        var task = try SupervisedTasks.xor()
        (task.epochs, task.trials) = (5, 2)
        let s = SupervisedTrial(task: task, seed: 0)
        let c = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: c.url) }
        let full = try RunScheduler(jobs: 2).run(s, on: SolverBackend(), in: c)
        try FileManager.default.removeItem(at: c.resultFile(0))
        let again = try RunScheduler(jobs: 2, resume: true).run(s, on: SolverBackend(), in: c)
        #expect(again.trials.map(\.testMetric) == full.trials.map(\.testMetric))
        #expect(RunScheduler.finished(s, 1, in: c) != nil)
        let other = SupervisedTrial(task: task, seed: 9)
        #expect(RunScheduler.finished(other, 1, in: c) == nil, "a result of another seed is not this run's")
    }

    @Test func trialKindsRoundTripThroughTheirWorkerOrder() throws {
        var e = shortFourState
        e.environment = ScaledRewards(e.environment, factor: 3)
        let order = WorkerOrder(kind: QLearningTrial.kind, backend: SolverBackend(kind: .spice, chip: ChipSpec(sigmaThreshold: 0.01)),
                                trial: QLearningTrial(experiment: e, seed: 7))
        let decoded = try JSONDecoder().decode(WorkerOrder<QLearningTrial>.self, from: try JSONEncoder().encode(order))
        #expect(decoded.backend == order.backend && decoded.trial.seed == 7)
        #expect(decoded.trial.experiment.topology == e.topology)
        for s in 0..<4 {
            for a in 0..<4 {
                #expect(decoded.trial.experiment.environment.meanReward(state: s, action: a) == e.environment.meanReward(state: s, action: a))
                #expect(decoded.trial.experiment.environment.nextState(state: s, action: a) == e.environment.nextState(state: s, action: a))
            }
            #expect(decoded.trial.experiment.environment.measurementLabels(state: s) == e.environment.measurementLabels(state: s))
        }
        // The same trial, in process and from the decoded order, gives the same result bit for bit.
        let direct = try QLearningTrial(experiment: e, seed: 7).run(0, on: SolverBackend(), context: .init())
        let viaOrder = try decoded.trial.run(0, on: SolverBackend(), context: .init())
        #expect(direct.finalGates == viaOrder.finalGates && direct.policy == viaOrder.policy)
    }

    @Test func badInputIsRefusedBeforeTheFolderIsTouched() throws {
        let folder = temporaryFolder()
        let badChip = SolverBackend(chip: ChipSpec(sigmaThreshold: -1))
        #expect(throws: (any Error).self) { try RunScheduler().run(QLearningTrial(experiment: shortFourState, seed: 0), on: badChip, in: folder) }
        var zeroTrials = shortFourState
        zeroTrials.trials = 0
        #expect(throws: (any Error).self) { try RunScheduler().run(QLearningTrial(experiment: zeroTrials, seed: 0), on: SolverBackend(), in: folder) }
        #expect(!FileManager.default.fileExists(atPath: folder.url.path))
    }

    /// Worker processes end with their parent although they run in their own process groups: a
    /// parent killed outright (as by Ctrl-C) leaves none running. Two SPICE `lattice-teacher`
    /// trials at side 100 spend ~20 s labelling their sets before their first progress report
    /// (the write that would otherwise end an orphaned worker), so a worker still alive 5 s after
    /// its parent's death would be one left running (without the watcher they outlive it by > 30 s).
    @Test func workersEndWithTheirParent() throws {
        #if os(Linux)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-orphans-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let parent = Process()
        parent.executableURL = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("clln")
        parent.arguments = ["train", "lattice-teacher", "--backend", "spice", "--model", "ald1106", "--trials", "2", "--jobs", "2", "--out", out.path]
        parent.standardOutput = FileHandle.nullDevice
        parent.standardError = FileHandle.nullDevice
        try parent.run()
        func children(of pid: Int32) -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap(Int32.init).filter { child in
                guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return false }
                // Fields after the command name: state, then the parent's process id.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 1 && Int32(fields[1]) == pid
            }
        }
        var workers: [Int32] = []
        for _ in 0..<600 where workers.count < 2 {
            Thread.sleep(forTimeInterval: 0.1)
            workers = children(of: parent.processIdentifier)
        }
        #expect(workers.count == 2, "the run started \(workers.count) workers")
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        func alive(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            return !stat.contains(") Z ")
        }
        for _ in 0..<50 where workers.contains(where: alive) { Thread.sleep(forTimeInterval: 0.1) }
        let orphans = workers.filter(alive)
        for pid in orphans { kill(pid, SIGKILL) }
        #expect(orphans.isEmpty, "workers \(orphans) outlived their parent by 5 s")
        #endif
    }
}
