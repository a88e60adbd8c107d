import CLLN
import CLLNRuns
import Foundation
import Testing

/// The digits encodings and wirings (`pixels`, `pixel_high`, `rails`, `shifts`, `skip`).
@Suite struct DigitsEncodingTests {
    /// An image with one lit pixel (value 12 of 16) at `index`.
    func onePixel(_ index: Int) -> [Double] {
        var image = [Double](repeating: 0, count: 64)
        image[index] = 12
        return image
    }

    @Test func pixelEncodingsGiveTheIntendedVoltages() throws {
        let image = onePixel(9)
        let plain = try SupervisedTasks.digitInputs([image], encoding: TaskEncoding())[0]
        #expect(plain.count == 64 && plain[9] == 0.75 && plain.enumerated().allSatisfy { $0.offset == 9 || $0.element == 0 })
        let scaled = try SupervisedTasks.digitInputs([image], encoding: TaskEncoding(pixelHigh: 2))[0]
        #expect(scaled[9] == 1.5)
        // Complement: the 64 plain inputs, then high − each, then the rails.
        let both = try SupervisedTasks.digitInputs(
            [image], encoding: TaskEncoding(pixels: .complement, pixelHigh: 0.5, rails: [0, 0.45]))[0]
        #expect(both.count == 64 + 64 + 2)
        #expect(both[9] == 0.375 && both[64 + 9] == 0.125 && both[64] == 0.5 && both[0] == 0)
        #expect(zip(both[0..<64], both[64..<128]).allSatisfy { $0 + $1 == 0.5 })
        #expect(Array(both.suffix(2)) == [0, 0.45])
        // The task wires every input to every output node.
        let task = try SupervisedTasks.digits(TaskEncoding(pixels: .complement, rails: [0, 1]))
        #expect(task.topology.inputs.count == 130 && task.topology.edgeCount == 130 * 20)
        #expect(task.train[0].inputs.count == 130 && task.summary.contains("complement") && task.summary.contains("rails"))
        #expect(throws: LearningError.self) { try SupervisedTasks.digitInputs([image], encoding: TaskEncoding(pixelHigh: 0)) }
        #expect(throws: LearningError.self) { try SupervisedTasks.digitInputs([image], encoding: TaskEncoding(rails: [.nan])) }
    }

    @Test func shiftsMoveImagesByOnePixelAndAugmentOnlyTheTrainingSet() throws {
        // Pixel (row 1, col 1) = index 9.
        #expect(SupervisedTasks.shifted(onePixel(9), dx: 1, dy: 0)[10] == 12)
        #expect(SupervisedTasks.shifted(onePixel(9), dx: 0, dy: 1)[17] == 12)
        #expect(SupervisedTasks.shifted(onePixel(9), dx: -1, dy: -1)[0] == 12)
        // A pixel moved off the edge is gone, and nothing wraps around.
        #expect(SupervisedTasks.shifted(onePixel(7), dx: 1, dy: 0).allSatisfy { $0 == 0 })
        #expect(SupervisedTasks.shifted(onePixel(56), dx: 0, dy: 1).allSatisfy { $0 == 0 })
        let plain = try SupervisedTasks.digits()
        let augmented = try SupervisedTasks.digits(TaskEncoding(shifts: 4))
        #expect(augmented.train.count == 5 * plain.train.count && augmented.test == plain.test)
        #expect(augmented.trainClasses == Array((0..<5).map { _ in plain.trainClasses }.joined()))
        #expect(Array(augmented.train.prefix(plain.train.count)) == plain.train)
        // The first copy is the right move of the first training image, with the same labels.
        let data = try Datasets.digits()
        let split = data.stratifiedSplit(testFraction: 0.2, seed: 0)
        let moved = SupervisedTasks.shifted(data.features[split.train[0]], dx: 1, dy: 0).map { $0 / 16 }
        #expect(augmented.train[plain.train.count].inputs == moved)
        #expect(augmented.train[plain.train.count].targets == plain.train[0].targets)
        #expect(throws: LearningError.self) { try SupervisedTasks.digits(TaskEncoding(shifts: 9)) }
    }

    @Test func skipLinksJoinInputsToOutputsBesideTheHiddenLayer() throws {
        let task = try SupervisedTasks.digits(TaskEncoding(hidden: [4], skip: true))
        #expect(task.topology.edgeCount == 64 * 4 + 4 * 20 + 64 * 20)
        let outputs = Set(task.topology.outputs)
        let direct = task.topology.edges.filter { $0.a < 64 && outputs.contains($0.b) }
        #expect(direct.count == 64 * 20 && task.summary.contains("skip"))
        // Without hidden layers the dense network already links inputs to outputs.
        #expect(try SupervisedTasks.digits(TaskEncoding(skip: true)).topology.edgeCount == 64 * 20)
    }

    @Test func configKeysReachTheTaskAndBadValuesAreRejected() throws {
        let config = try SupervisedConfig.parse(settings: [
            "task=digits", "pixels=complement", "pixel_high=0.5", "rails=[0, 0.45]", "hidden=[2]", "skip=true", "shifts=1",
        ])
        let task = try config.makeTask()
        #expect(task.topology.inputs.count == 130 && task.train[0].inputs[64] == 0.5 - task.train[0].inputs[0])
        #expect(task.topology.edgeCount == 130 * 2 + 2 * 20 + 130 * 20 && task.train.count == 2 * 1438)
        #expect(throws: SupervisedConfigError.self) { try SupervisedConfig.parse(settings: ["pixels=inverted"]) }
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=digits", "pixel_high=-1"]).makeTask() }
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=digits", "shifts=12"]).makeTask() }
    }

    @Test func complementEncodedDigitsLearnAboveChanceInTwoEpochs() throws {
        var task = try SupervisedTasks.digits(TaskEncoding(pixels: .complement, rails: [0, 1]))
        task.epochs = 2
        let result = try SupervisedTrial(task: task, seed: 0).run(0, on: SolverBackend(), context: .init())
        #expect(result.history[0].testMetric < 0.3)
        #expect(result.testMetric > 0.85, "test accuracy \(result.testMetric)")
    }
}
