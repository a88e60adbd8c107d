import CLLNReport
import Foundation

/// Train and test scores after one epoch (epoch 0: before training).
public struct SupervisedEpochRecord: Sendable, Codable, Hashable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainMetric: Double
    public var testLoss: Double
    public var testMetric: Double
    /// Examples nudged during the epoch (0 for epoch 0).
    public var nudged: Int
    /// Seconds of the training pass (free + clamped solves and updates), without evaluation.
    public var trainSeconds: Double
    /// Seconds of the evaluation of both sets.
    public var evalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", trainMetric = "train_metric", testLoss = "test_loss"
        case testMetric = "test_metric", nudged, trainSeconds = "train_s", evalSeconds = "eval_s"
    }
}

/// The outcome of one trial (one seed) of a supervised task.
public struct SupervisedTrialResult: Sendable, Codable {
    /// The task's name and split seed (absent in results written before they were recorded).
    public var task: String?
    public var splitSeed: UInt64?
    public var trial: Int
    public var seed: UInt64
    public var epochs: Int
    public var trainLoss: Double
    public var trainMetric: Double
    public var testLoss: Double
    public var testMetric: Double
    /// Classification: first epoch after which every training example was classified right.
    public var solvedAtEpoch: Int?
    /// Every evaluated epoch, starting with epoch 0 (before training).
    public var history: [SupervisedEpochRecord]
    public var initialGates: [Double]
    public var finalGates: [Double]
    /// Logical outputs of every test example after training (and before, for the curve plot).
    public var testOutputs: [[Double]]
    public var initialTestOutputs: [[Double]]
    /// Classification: decoded classes of the test examples after training.
    public var testPredicted: [Int]
    /// Teacher–student tasks: the test labels as this trial's backend gave them
    /// (``SupervisedTask/teacherParameters``); `nil` when they are the task's own.
    public var testTargets: [[Double]]?
    public var wallSeconds: Double
    /// Mean seconds per epoch of the training pass alone, and of one evaluation of both sets.
    public var epochSeconds: Double
    public var evalSeconds: Double
    public var freeSolves: Int
    public var clampedSolves: Int

    enum CodingKeys: String, CodingKey {
        case task, splitSeed = "split_seed", trial, seed, epochs, trainLoss = "train_loss", trainMetric = "train_metric", testLoss = "test_loss"
        case testMetric = "test_metric", solvedAtEpoch = "solved_at_epoch", history, initialGates = "initial_gates"
        case finalGates = "final_gates", testOutputs = "test_outputs", initialTestOutputs = "initial_test_outputs"
        case testPredicted = "test_predicted", testTargets = "test_targets", wallSeconds = "wall_s", epochSeconds = "epoch_s", evalSeconds = "eval_s"
        case freeSolves = "free_solves", clampedSolves = "clamped_solves"
    }
}
