import CLLN
import CLLNRuns
import CLLNReport
import Foundation
import Testing
import _CLLNTestSupport

/// The task presets, their training, the run report, config files and the CLI.
@Suite struct SupervisedTaskTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("clln-supervised-\(UUID().uuidString)")
    }

    @Test func xorReachesZeroClassificationErrorOnTheIdealBackend() throws {
        var task = try SupervisedTasks.xor()
        task.epochs = 60
        #expect(task.topology.edgeCount == 32 && task.topology.outputs == [10, 0] && task.options.differential)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try RunScheduler(jobs: 1).run(SupervisedTrial(task: task, seed: 0), on: SolverBackend(), in: RunFolder(folder))
        let result = try #require(RunFolder(folder).result(SupervisedTrialResult.self, trial: 0))
        #expect(result.history[0].trainMetric < 1)
        #expect(result.trainMetric == 1 && result.testMetric == 1, "accuracy \(result.trainMetric)")
        #expect(result.solvedAtEpoch != nil)
        #expect(result.finalGates.allSatisfy { (1.0...5.5).contains($0) })
        // The report: summary, tables, plots.
        #expect(summary.metric == .accuracy && summary.testMetric == 1 && summary.solvedCount == 1)
        #expect(summary.testPooled?.successes == 4 && summary.testPooled?.trials == 4 && summary.testMSERatio == nil)
        for file in ["summary.json", "epochs.csv", "gates.csv", "predictions.csv", "loss.svg", "accuracy.svg", "confusion.svg", "confusion.csv"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        let confusion = try String(contentsOf: folder.appendingPathComponent("confusion.csv"), encoding: .utf8)
        #expect(confusion.contains("0,2,0") && confusion.contains("1,0,2"))
    }

    @Test func regressionFitsTheCurve() throws {
        var task = try SupervisedTasks.regression()
        task.epochs = 1000
        #expect(task.train.count == 8 && task.test.count == 64 && task.metric == .mse)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try RunScheduler(jobs: 1).run(SupervisedTrial(task: task, seed: 0), on: SolverBackend(), in: RunFolder(folder))
        let result = try #require(RunFolder(folder).result(SupervisedTrialResult.self, trial: 0))
        #expect(result.testMetric < result.history[0].testMetric / 20, "test MSE \(result.history[0].testMetric) → \(result.testMetric)")
        let svg = try String(contentsOf: folder.appendingPathComponent("curve.svg"), encoding: .utf8)
        #expect(svg.contains("learned vs target") && svg.contains("training points"))
    }

    @Test func latticeTeacherTargetsAreTheTeachersEquilibriumOutputs() throws {
        let task = try SupervisedTasks.latticeTeacher(TaskEncoding(splitSeed: 3, side: 12))
        let topology = task.topology
        #expect(topology.nodeCount == 144 && topology.edgeCount == 288)
        #expect(topology.inputs.count == 6 && topology.outputs.count == 2 && Set(topology.inputs + topology.outputs).count == 8)
        #expect(task.train.count == 16 && task.test.count == 64 && task.metric == .mse)
        // Rails last, data inputs in [0, 1] V.
        for example in task.train + task.test {
            #expect(example.inputs.suffix(2) == [0, 1] && example.inputs.prefix(4).allSatisfy { (0...1).contains($0) })
        }
        // The targets are an equilibrium of the teacher: KCL holds there, and they obey the maximum principle.
        let teacher = SupervisedTasks.latticeTeacherGates(topology, splitSeed: 3)
        let solver = try IdealSolver(topology: topology)
        for example in task.test.prefix(4) {
            let held = HeldNodes(nodes: topology.inputs, values: example.inputs)
            let v = try solver.solve(parameters: teacher, held: held).voltages
            #expect(maxDifference(topology.outputs.map { v[$0] }, example.targets) < 1e-10)
            #expect(kclResidual(topology, parameters: teacher, voltages: v, held: held) < 1e-12)
            #expect(example.targets.allSatisfy { (0...1).contains($0) })
        }
        // The split seed moves teacher and data; the same seed rebuilds the same task.
        #expect(try SupervisedTasks.latticeTeacher(TaskEncoding(splitSeed: 3, side: 12)).test == task.test)
        #expect(try SupervisedTasks.latticeTeacher(TaskEncoding(splitSeed: 4, side: 12)).test != task.test)
        #expect(throws: LearningError.self) { try SupervisedTasks.latticeTeacher(TaskEncoding(side: 7)) }
    }

    @Test func latticeTeacherIsRealizableAndTheStudentLearnsIt() throws {
        var task = try SupervisedTasks.latticeTeacher(TaskEncoding(splitSeed: 5, side: 12))
        let teacher = SupervisedTasks.latticeTeacherGates(task.topology, splitSeed: 5)
        let trainer = try SupervisedTrainer(
            topology: task.topology, rule: task.rule, solver: try IdealSolver(topology: task.topology), options: task.options)
        // At the teacher's gates the student has no error: the task is realizable.
        #expect(try trainer.loss(task.test, parameters: teacher) < 1e-20)
        // From its own gates, the preset's 320 updates at least halve the test error (MSE; ×0.33 at this
        // size and seed, ×0.01 on the 100×100 lattice).
        task.epochs = 20
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try RunScheduler(jobs: 1).run(SupervisedTrial(task: task, seed: 9), on: SolverBackend(), in: RunFolder(folder))
        let ratio = try #require(summary.testMSERatio)
        #expect(ratio < 0.5, "test MSE after/before \(ratio)")
        #expect(try #require(summary.trials[0].initialTestMetric) > summary.trials[0].testMetric)
        #expect(summary.testPooled == nil)
        // The trial labelled the sets on its own backend: on the idealized one, the task's labels.
        let result = try #require(RunFolder(folder).result(SupervisedTrialResult.self, trial: 0))
        let labels = try #require(result.testTargets)
        #expect(maxDifference(labels.flatMap { $0 }, task.test.flatMap(\.targets)) < 1e-12)
        for file in ["summary.json", "epochs.csv", "predictions.csv", "loss.svg", "parity.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
    }

    /// On a SPICE card other than the idealized model, the teacher's labels are its own outputs
    /// there, so the student at the teacher's gates has no error at transistor level either.
    @Test func latticeTeacherIsRealizableAtTransistorLevel() throws {
        let task = try SupervisedTasks.latticeTeacher(TaskEncoding(splitSeed: 2, side: 8))
        let teacher = try #require(task.teacherParameters)
        let spice = try SpiceSolver(topology: task.topology, model: try ModelCard.named("ald1106"))
        let sets = try SupervisedTrial(task: task, seed: 0).labeledSets(on: spice)
        #expect(sets.train.count == 16 && sets.test.count == 64)
        #expect(zip(sets.test, task.test).allSatisfy { $0.inputs == $1.inputs })
        let trainer = try SupervisedTrainer(topology: task.topology, rule: task.rule, solver: spice, options: task.options)
        #expect(try trainer.loss(sets.test, parameters: teacher) < 1e-16)
        // The idealized model's labels are not the card's: that error is what the relabelling removes.
        #expect(try trainer.loss(task.test, parameters: teacher) > 1e-8)
    }

    /// An idealized solver keeps the task's labels (they are its own teacher outputs); one with
    /// device mismatch labels the sets on its own devices, where the teacher again has no error.
    @Test func latticeTeacherLabelsFollowTheIdealizedChip() throws {
        let task = try SupervisedTasks.latticeTeacher(TaskEncoding(splitSeed: 6, side: 10))
        let teacher = try #require(task.teacherParameters)
        let plain = try IdealSolver(topology: task.topology)
        let kept = try SupervisedTrial(task: task, seed: 0).labeledSets(on: plain)
        #expect(kept.test == task.test && kept.train == task.train)
        let fresh = try plain.solveBatch(
            parameters: teacher, held: task.test.map { HeldNodes(nodes: task.topology.inputs, values: $0.inputs) }, warmStarts: [])
        #expect(maxDifference(fresh.flatMap { v in task.topology.outputs.map { v.voltages[$0] } }, task.test.flatMap(\.targets)) < 1e-12)
        let chip = try IdealSolver(topology: task.topology)
        var rng = SeededGenerator(seed: 3)
        chip.mismatch = DeviceMismatch(
            thresholdOffsets: task.topology.edges.map { _ in 0.01 * rng.gaussian() }, gainFactors: task.topology.edges.map { _ in 1 })
        let relabeled = try SupervisedTrial(task: task, seed: 0).labeledSets(on: chip)
        #expect(maxDifference(relabeled.test.flatMap(\.targets), task.test.flatMap(\.targets)) > 1e-6)
        let trainer = try SupervisedTrainer(topology: task.topology, rule: task.rule, solver: chip, options: task.options)
        #expect(try trainer.loss(relabeled.test, parameters: teacher) < 1e-20)
    }

    /// `--resume` keeps a stored result only for the same task and split: `xor` and `regression`
    /// share their 32-edge lattice, and a split seed changes a task's data.
    @Test func aStoredResultBelongsToItsTaskAndSplit() throws {
        var xor = try SupervisedTasks.xor()
        xor.epochs = 1
        var regression = try SupervisedTasks.regression()
        regression.epochs = 1
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try RunScheduler(jobs: 1).run(SupervisedTrial(task: xor, seed: 0), on: SolverBackend(), in: RunFolder(folder))
        let result = try #require(RunFolder(folder).result(SupervisedTrialResult.self, trial: 0))
        #expect(result.task == "xor" && result.splitSeed == 0)
        #expect(SupervisedTrial(task: xor, seed: 0).isResult(result, ofTrial: 0))
        #expect(!SupervisedTrial(task: regression, seed: 0).isResult(result, ofTrial: 0))
        var otherSplit = xor
        otherSplit.splitSeed = 1
        #expect(!SupervisedTrial(task: otherSplit, seed: 0).isResult(result, ofTrial: 0))
    }

    @Test func classificationPresetsBuildTheirNetworksAndSplits() throws {
        let iris = try SupervisedTasks.iris()
        #expect(iris.train.count == 120 && iris.test.count == 30 && iris.topology.outputs.count == 6)
        #expect(iris.topology.edgeCount == 6 * 16 + 16 * 6 && iris.options.loss == .multiclassHinge)
        let digits = try SupervisedTasks.digits()
        #expect(digits.train.count + digits.test.count == 1797 && digits.topology.edgeCount == 64 * 20)
        #expect(digits.train[0].targets.count == 10 && digits.classNames.count == 10)
        // The transistor-level-scale variant: same images and split, a hidden layer of 64 nodes.
        let hidden = try #require(try SupervisedTasks.named("digits-hidden"))
        #expect(hidden.topology.edgeCount == 64 * 64 + 64 * 20 && hidden.topology.edgeCount >= 5000)
        #expect(hidden.test.map(\.inputs) == digits.test.map(\.inputs) && hidden.topology.nodeCount == 64 + 64 + 20)
        // Its settings: labels ±0.02 V, α 12, the input→hidden edges at 10 α.
        #expect(hidden.train[0].targets.contains(0.02) && hidden.rule.alpha == 12 && hidden.options.hiddenAlphaScale == 10)
        // Single-ended variant: one output per class, labels around 0.5 V.
        let single = try SupervisedTasks.iris(TaskEncoding(differential: false, hidden: []))
        #expect(single.topology.outputs.count == 3 && single.topology.edgeCount == 18 && !single.options.differential)
        #expect(Set(single.train[0].targets) == [0.45, 0.55])
    }

    @Test func irisLearnsInAFewEpochs() throws {
        var task = try SupervisedTasks.iris()
        task.epochs = 20
        task.rule.alpha = 1   // faster than the preset's 0.3, to keep the test short
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try SupervisedTrial(task: task, seed: 0).run(0, on: SolverBackend(), context: .init())
        #expect(result.testMetric > 0.8, "test accuracy \(result.testMetric)")
    }

    @Test func configFilesOverrideTheTaskAndRejectUnknownKeys() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("my-iris.yaml")
        try """
            task: iris
            epochs: 7
            alpha: 0.25
            loss: hinge
            differential: false
            overclamp: [0, 1]
            normalization: adam
            adam_beta1: 0.9
            update_exponent: 1
            hidden: [4]
            initial_gate_mean: 2
            """.write(to: url, atomically: true, encoding: .utf8)
        let reference = try #require(SupervisedConfig.resolve(url.path))
        #expect(reference.name == "my-iris")
        var config = try reference.config()
        config = config.overriding(with: try SupervisedConfig.parse(settings: ["epochs=9", "margin=0.1"]))
        let task = try config.makeTask()
        #expect(task.epochs == 9 && task.rule.alpha == 0.25 && task.options.loss == .hinge && !task.options.differential)
        #expect(task.options.overclamp == OverclampRails(low: 0, high: 1) && task.options.normalization == .adam)
        #expect(task.options.adam.beta1 == 0.9 && task.options.updateExponent == 1 && task.options.hingeCenter == 0.5)
        #expect(task.topology.edgeCount == 6 * 4 + 4 * 3 && task.train[0].targets.contains(0.6))
        #expect(task.initialGates == .normal(mean: 2, spread: 0.1))
        // Names and non-supervised files.
        #expect(SupervisedConfig.resolve("xor")?.file == nil && SupervisedConfig.resolve("four-state") == nil)
        let qlearning = folder.appendingPathComponent("q.yaml")
        try "preset: four-state\nsteps: 10\n".write(to: qlearning, atomically: true, encoding: .utf8)
        #expect(SupervisedConfig.resolve(qlearning.path) == nil)
        // Mistakes are reported.
        #expect(throws: SupervisedConfigError.self) { try SupervisedConfig.parse(settings: ["los=hinge"]) }
        #expect(throws: SupervisedConfigError.self) { try SupervisedConfig.parse(settings: ["overclamp=[1]"]) }
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=xor", "eta=2"]).makeTask() }
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=nope"]).makeTask() }
    }

    @Test func alphaDecaysGeometricallyToAlphaFinal() throws {
        var task = try SupervisedConfig.parse(settings: ["task=xor", "epochs=3", "alpha=2", "alpha_final=0.5"]).makeTask()
        #expect(task.alphaFinal == 0.5)
        #expect((1...3).map { task.alpha(epoch: $0) } == [2, 1, 0.5])
        task.alphaFinal = nil
        #expect((1...3).map { task.alpha(epoch: $0) } == [2, 2, 2])
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=xor", "alpha_final=0"]).makeTask() }
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=xor", "alpha_final=-1"]).makeTask() }
    }

    @Test func anEpochsAlphaScalesItsUpdate() throws {
        // One batch over the four XOR cases, no clip reached: the gates move by α times the same
        // accumulated rule, so half the α moves them half as far.
        var task = try SupervisedTasks.xor()
        task.rule = CoupledLearningRule(alpha: 0.01, eta: 0.5, batchSize: 4, updateClip: 10)
        var rng = SeededGenerator(seed: 3)
        let start = task.initialGates.draw(for: task.topology, rng: &rng)
        func step(alpha: Double?) throws -> [Double] {
            let trainer = try SupervisedTrainer(topology: task.topology, rule: task.rule, solver: try IdealSolver(topology: task.topology), options: task.options)
            var gates = start
            var order = SeededGenerator(seed: 4)
            try trainer.train(epoch: task.train, parameters: &gates, rng: &order, shuffle: false, alpha: alpha)
            return zip(gates, start).map { $0 - $1 }
        }
        let full = try step(alpha: nil), half = try step(alpha: 0.005)
        #expect(full.contains { abs($0) > 1e-6 })
        for (f, h) in zip(full, half) { #expect(abs(h - f / 2) <= 1e-12, "\(h) vs \(f)/2") }
        #expect(throws: LearningError.self) {
            let trainer = try SupervisedTrainer(topology: task.topology, rule: task.rule, solver: try IdealSolver(topology: task.topology), options: task.options)
            var gates = start
            try trainer.train(epoch: task.train, parameters: &gates, rng: &rng, alpha: 0)
        }
    }

    @Test func trainerRejectsMismatchedShapes() throws {
        let t = Generators.lattice(shape: [4, 4], periodic: true, inputs: [0, 2], outputs: [5, 7, 13])
        let rule = CoupledLearningRule(alpha: 1, eta: 0.5, batchSize: 1, updateClip: 0.1)
        #expect(throws: LearningError.self) {
            try SupervisedTrainer(topology: t, rule: rule, solver: IdealSolver(topology: t), options: SupervisedOptions(differential: true))
        }
        let trainer = try SupervisedTrainer(topology: t, rule: rule, solver: IdealSolver(topology: t))
        var gates = t.uniformParameters(gate: 2)
        var rng = SeededGenerator(seed: 1)
        #expect(throws: LearningError.self) {
            try trainer.train(epoch: [SupervisedExample(inputs: [1, 0], targets: [0.5])], parameters: &gates, rng: &rng)
        }
    }

    @Test func cliTrainsATaskFromAConfigFileAndPrintsTheSummary() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("quick-xor.yaml")
        try "task: xor\nepochs: 40\n".write(to: config, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let r = try clln(["train", config.path, "--trials", "2", "--out", out.path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        struct Summary: Decodable {
            var preset: String, backend: String, epochs: Int, train_metric: Double, test_metric: Double, metric: String, wall_s: Double
        }
        let s = try JSONDecoder().decode(Summary.self, from: Data(r.out.utf8))
        #expect(s.preset == "xor" && s.backend == "ideal" && s.epochs == 40 && s.metric == "accuracy" && s.wall_s > 0)
        #expect((0...1).contains(s.train_metric) && (0...1).contains(s.test_metric))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("trials/trial-1.json").path))
        let bad = folder.appendingPathComponent("bad.yaml")
        try "task: xor\nepoch: 40\n".write(to: bad, atomically: true, encoding: .utf8)
        let failed = try clln(["train", bad.path, "--out", out.path])
        #expect(failed.status == 65 && failed.err.contains("unknown key"))
        let steps = try clln(["train", "xor", "--steps", "10", "--out", out.path])
        #expect(steps.status == 64 && steps.err.contains("--epochs"))
    }

    /// presets/digits-pyclln.yaml is the published scikit-digits trainer's settings: fixed nudge
    /// 0.05, score margin 0.02 (labels ±0.01 V), γ = α/η = 1 with no clip inside one step's reach,
    /// gates in [0.4, 8] V starting uniform in [0.5, 4.5] V, 15 epochs, on scikit-learn's split
    /// with random_state 0.
    @Test func theScikitDigitsPresetFileHoldsThePublishedSettings() throws {
        let file = repositoryRoot.appendingPathComponent("presets/digits-pyclln.yaml")
        let task = try SupervisedConfig.load(file).makeTask()
        #expect(task.name == "digits" && task.options.loss == .multiclassHinge && task.options.hingeNudge == 0.05)
        #expect(task.rule.alpha / task.rule.eta == 1 && task.rule.updateClip >= 1)
        #expect(task.topology.gateBounds == 0.4...8 && task.epochs == 15)
        #expect(task.splitMethod == .scikitLearn && task.splitSeed == 0 && task.test.count == 360)
        guard case let .uniform(low, high) = task.initialGates else { Issue.record("initial gates \(task.initialGates)"); return }
        #expect(low == 0.5 && high == 4.5)
        let labels = task.train[0].targets
        #expect(labels.max()! - labels.min()! == 0.02)
    }
}
