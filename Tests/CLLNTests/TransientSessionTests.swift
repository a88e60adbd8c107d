import CLLN
import Foundation
import Testing

/// The transient session over ngspice: RC physics, external sources set from Swift, sync points.
@Suite(.serialized) struct TransientSessionTests {
    /// R = 1 kΩ, C = 1 nF (RC = 1 µs), driven by an external voltage source; a second capacitor
    /// charged by an external current source.
    static func session(initial: Double = 0, options: TransientSession.Options = .init()) throws -> TransientSession {
        let netlist = [
            "* rc", ".options method=gear reltol=1e-6", "v1 in 0 external", "r1 in out 1k", "c1 out 0 1n ic=\(initial)",
            "i1 0 x external", "c2 x 0 1n ic=0", "r2 x 0 1e12", ".end",
        ]
        return try TransientSession(
            netlist: netlist, probe: "@r1[resistance]", recorded: ["out", "x", "v1#branch"], voltageSources: ["v1"],
            currentSources: ["i1"], capacitors: [.init(name: "c1", positive: "out"), .init(name: "c2", positive: "x")],
            options: options)
    }

    @Test func rcChargesAsOneMinusExponential() throws {
        let s = try Self.session()
        s.voltages = [1]
        var worst = 0.0
        var points = 0
        let boundaries = [0.5e-6, 1e-6, 2e-6, 3e-6, 5e-6]
        var seen: [Double] = []
        let end = try s.run(segments: [0.5e-6, 0.5e-6, 1e-6, 1e-6, 2e-6], atBoundary: { k, reading in
            seen.append(reading.time)
            #expect(abs(reading.time - boundaries[k - 1]) < 1e-15)
        }, observe: { t, values in
            worst = max(worst, abs(values[0] - (1 - exp(-t / 1e-6))))
            points += 1
        })
        #expect(seen.count == 4)
        #expect(abs(end.time - 5e-6) < 1e-15)
        #expect(abs(end.values[0] - (1 - exp(-5.0))) < 1e-3)
        #expect(worst < 1e-3, "largest deviation from V(1 − e^(−t/RC)): \(worst) V over \(points) points")
        // The source delivers the capacitor's current: i(v1) = −(1 − V)/R at the end.
        #expect(abs(end.values[2] + (1 - end.values[0]) / 1e3) < 1e-8)
    }

    @Test func sourcesChangedBetweenRunsAndAtBoundariesAreSeen() throws {
        let s = try Self.session()
        s.voltages = [1]
        s.currents = [1e-6]  // 1 µA into 1 nF: 1 mV/µs
        let charged = try s.run(segments: [10e-6])
        #expect(abs(charged.values[0] - 1) < 1e-4)
        #expect(abs(charged.values[1] - 0.01) < 1e-6)
        // Between runs: the state carries over (capacitor ICs), the new values act.
        s.voltages = [0]
        s.currents = [0]
        let decayed = try s.run(segments: [1e-6])
        #expect(abs(decayed.values[0] - exp(-1.0)) < 1e-3)
        #expect(abs(decayed.values[1] - 0.01) < 1e-6, "the current source's capacitor holds its charge")
        // At a boundary inside a run: 2 V from 1 µs on.
        let end = try s.run(segments: [1e-6, 1e-6], atBoundary: { _, reading in
            #expect(abs(reading.values[0] - exp(-2.0)) < 1e-3)
            s.voltages = [2]
        })
        let expected = 2 - (2 - exp(-2.0)) * exp(-1.0)
        #expect(abs(end.values[0] - expected) < 1e-3)
        #expect(abs(s.time - 13e-6) < 1e-15)
    }

    @Test func aCurrentStepAtARestartDeliversExactlyItsCharge() throws {
        // 1 µA into 1 nF from a boundary on: 1 mV after 1 µs. Second-order gear across the step
        // (no restart) gives the capacitor only ~⅔ of the first step's charge, for good.
        func charged(restarting: Set<Int>) throws -> Double {
            var options = TransientSession.Options()
            options.firstStepFraction = 1e-2
            let s = try Self.session(options: options)
            let end = try s.run(segments: [1e-6, 1e-6], restarting: restarting, atBoundary: { k, reading in
                #expect(k == 1 && abs(reading.time - 1e-6) < 1e-15)
                s.currents = [1e-6]
            })
            return end.values[1]
        }
        let exact = try charged(restarting: [1])
        #expect(abs(exact - 1e-3) < 1e-9, "\(exact) V")
        let engine = try NgspiceEngine.shared()
        if engine.setsBreakpoints {
            let drifted = try charged(restarting: [])
            #expect(abs(drifted - 1e-3) > 1e-8, "without the restart the charge error stays: \(drifted) V")
        }
    }

    @Test func theSettleJumpSparesPointsAndKeepsTheSettledValue() throws {
        func settle(jump: Double?) throws -> (value: Double, points: Int) {
            var options = TransientSession.Options()
            options.settleJump = jump
            let netlist = [
                "* rc", ".options method=gear reltol=1e-6", "v1 in 0 external", "r1 in out 1k", "c1 out 0 1n ic=0",
                "i1 0 x external", "c2 x 0 1n ic=0", "r2 x 0 1e12", ".end",
            ]
            let s = try TransientSession(
                netlist: netlist, probe: "@r1[resistance]", recorded: ["out"], voltageSources: ["v1"], currentSources: ["i1"],
                capacitors: [.init(name: "c1", positive: "out"), .init(name: "c2", positive: "x")], options: options)
            s.voltages = [1]
            let end = try s.run(segments: [100e-6, 100e-6], atBoundary: { _, _ in s.voltages = [0.5] })
            return (end.values[0], s.acceptedPoints)
        }
        let plain = try settle(jump: nil)
        let jumped = try settle(jump: 1e-6)
        #expect(abs(jumped.value - 0.5) < 1e-6 && abs(plain.value - 0.5) < 1e-6)
        #expect(jumped.points < plain.points, "\(jumped.points) vs \(plain.points) points")
    }

    @Test func aSourceWithoutAValueStopsTheRunWithATypedError() throws {
        let netlist = ["* bad", "v1 in 0 external", "vunknown y 0 external", "r1 in out 1k", "r2 y out 1k", "c1 out 0 1n ic=0", ".end"]
        let s = try TransientSession(
            netlist: netlist, probe: "@r1[resistance]", recorded: ["out"], voltageSources: ["v1"],
            capacitors: [.init(name: "c1", positive: "out")])
        #expect(throws: SpiceError.self) { try s.run(segments: [1e-6]) }
        // The engine survives: a good session runs afterwards.
        let good = try Self.session()
        good.voltages = [1]
        #expect(try good.run(segments: [1e-6]).values[0] > 0.6)
    }

    @Test func aSessionWhoseCircuitNgspiceDroppedContinuesFromItsState() throws {
        let s = try Self.session()
        s.voltages = [1]
        let first = try s.run(segments: [1e-6])
        // A rejected netlist makes ngspice drop every circuit (the engine removes them all).
        #expect(throws: SpiceError.self) {
            try TransientSession(netlist: ["* bad", "r1 a 0 nonsense", ".end"], probe: "@r1[resistance]", recorded: [], capacitors: [])
        }
        let second = try s.run(segments: [1e-6])
        #expect(abs(first.values[0] - (1 - exp(-1.0))) < 1e-3)
        #expect(abs(second.values[0] - (1 - exp(-2.0))) < 1e-3)
    }
}
