import CLLN
import CLLNBaselines
import CLLNRuns
import Foundation
import Testing

@Suite struct CompareTableTests {
    /// Rows from runs of the run layer (two tiny four-state runs: the CLLN and tabular agents),
    /// then table.csv, table.json and curves.svg.
    @Test func compare_writes_its_table() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clln-compare-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let schedule = try CompareSchedule.defaults(task: "four-state", steps: 3_000)
        #expect(schedule.steps == 3_000 && schedule.epsilonDecaySteps == 3_000 && schedule.epsilonStart == 0.05)
        let scheduler = RunScheduler(jobs: 1)
        var e = try schedule.apply(to: ExperimentPresets.fourState)
        e.trials = 2
        let clln = QLearningTrial(experiment: e, seed: 0)
        let cllnFolder = RunFolder(folder.appendingPathComponent("clln"))
        let training = try scheduler.run(clln, on: SolverBackend(kind: .ideal), in: cllnFolder)
        let results = (0..<2).compactMap { cllnFolder.result(TrialResult.self, trial: $0) }
        let baseline = BaselineTrial(
            agent: .tabular, task: "four-state", config: schedule.apply(to: BaselineConfig.defaults(agent: .tabular, task: "four-state")), seeds: 2)
        let tabular = try scheduler.run(baseline, on: InProcessBackend(), in: RunFolder(folder.appendingPathComponent("tabular")))
        #expect(tabular.config.steps == 3_000 && tabular.config.epsilonDecaySteps == 3_000)
        let rows = [
            CompareRow(agent: .clln, training: training, results: results, parameters: e.topology.edgeCount),
            CompareRow(agent: .tabular, baseline: tabular),
        ]
        #expect(rows[0].seeds == 2 && rows[0].parameters == 32 && rows[1].parameters == 16)
        #expect(rows[0].finalMean == training.trials.map(\.ratio).reduce(0, +) / 2)
        #expect(rows.allSatisfy { $0.success.trials == 2 && $0.curveSteps.count == $0.curveMean.count && $0.finalMax <= 1 + 1e-12 })
        let summary = CompareSummary(
            task: "four-state", seeds: 2, seed: 0, schedule: schedule, cllnBackend: "ideal", reference: training.optimum, rows: rows)
        try summary.write(to: folder)
        let csv = try String(contentsOf: folder.appendingPathComponent("table.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 3 && csv[0].hasPrefix("agent,measure,seeds") && csv[1].hasPrefix("clln,") && csv[2].hasPrefix("tabular,"))
        let decoded = try JSONDecoder().decode(CompareSummary.self, from: Data(contentsOf: folder.appendingPathComponent("table.json")))
        #expect(decoded.rows.map(\.agent) == [.clln, .tabular])
        let svg = try String(contentsOf: folder.appendingPathComponent("curves.svg"), encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("clln") && svg.contains("tabular"))
    }

    /// Steps to 95 %: the first step reaching 95 % of the way from the first point to the final level.
    @Test func steps_to_95_and_the_interval() {
        let curve = [(step: 0, value: 0.2), (step: 10, value: 0.5), (step: 20, value: 0.97), (step: 30, value: 1.0)]
        #expect(CompareRow.stepsTo95(curve, final: 1.0) == 20)
        #expect(CompareRow.stepsTo95(curve, final: 0.1) == 0)
        let row = CompareRow(agent: .dqn, measure: "greedy return", seeds: [
            .init(curve: curve, final: 1, success: true, wallSeconds: 2),
            .init(curve: curve, final: 0.5, success: false, wallSeconds: 4),
        ], failed: 1, parameters: 7)
        #expect(row.success.successes == 1 && row.success.trials == 3 && row.wallSecondsMean == 3 && row.stepsTo95Mean == 15)
        #expect(row.curveMean == [0.2, 0.5, 0.97, 1.0])
    }

    /// The agents that run on each kind of task.
    @Test func agents_per_task() throws {
        #expect(CompareAgent.defaults(on: try LearningTask.named("cartpole")) == [.clln, .dqn, .local])
        #expect(CompareAgent.defaults(on: try LearningTask.named("grid-5x5")) == CompareAgent.allCases)
        let continuous = try CompareSchedule.defaults(task: "cartpole", steps: 100_000)
        #expect(continuous.epsilonDecaySteps == 50_000 && continuous.epsilonEnd == 0.01)
        #expect(throws: CompareError.self) { try continuous.apply(to: ExperimentPresets.fourState) }
    }
}
