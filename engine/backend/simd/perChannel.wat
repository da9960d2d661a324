;; Per-channel loops over row-major [rows, c] float32 matrices in the TensorFlow.js wasm backend's own memory
;; (imported): the per-channel sums (ChannelSums) and training-mode BatchNorm, with an optional ReLU after it:
;;   channelSums: sums[j] = x[0][j] + x[1][j] + ... as float64: each row added into float32 partials, which go
;;               into the float64 sums and are cleared every 64 rows, so no float32 accumulator holds more than 64 values;
;;   moments:    mean[j] and the biased variance[j] (two passes: the sum, then the squared deviations
;;               from the float32 mean), each summed as channelSums does;
;;   normalize:  x̂ = (x - mean)·invStd and y = x̂·γ + β, then y = 0 where y <= 0 unless $noRelu;
;;   gradSums:   Σ d and Σ d·x̂ with d = dy·m, m = 1 where the output y > 0 (or $noRelu), else 0; as above;
;;   gradInput:  dx = (d·a + c) + x̂·b.
;; Each row goes 4 channels at a time with SIMD, the last c mod 4 channels one at a time. The float32 operations
;; and their order are those of the ops this replaces (engine/model/batchNormOps.ts), and of the plain loops in
;; engine/backend/kernels/channelLayout.ts and batchNormKernels.ts, which must agree with this bit for bit.
;; Compiled by tools/compileWat.mjs into perChannelWasm.ts.
(module
  (import "env" "memory" (memory 1))

  (func (export "moments")
    (param $x i32) (param $rows i32) (param $c i32) (param $partials i32) (param $sums i32)
    (param $mean i32) (param $variance i32)
    (call $sumRows (local.get $x) (local.get $rows) (local.get $c) (local.get $partials) (local.get $sums))
    (call $storeMeans (local.get $c) (local.get $rows) (local.get $sums) (local.get $mean))
    (call $squaredDeviations (local.get $x) (local.get $rows) (local.get $c) (local.get $mean) (local.get $partials) (local.get $sums))
    (call $storeMeans (local.get $c) (local.get $rows) (local.get $sums) (local.get $variance)))

  (func (export "normalize")
    (param $x i32) (param $rows i32) (param $c i32) (param $mean i32) (param $invStd i32)
    (param $gamma i32) (param $beta i32) (param $noRelu i32) (param $xHat i32) (param $y i32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $vectorBytes i32) (local $at i32)
    (local $normalized v128) (local $scaled v128) (local $one f32) (local $keepAll v128)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $keepAll (i32x4.splat (i32.sub (i32.const 0) (local.get $noRelu))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $vectorBytes)))
            (local.set $at (i32.add (i32.mul (local.get $row) (local.get $bytes)) (local.get $j)))
            (local.set $normalized
              (f32x4.mul
                (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $at))) (v128.load (i32.add (local.get $mean) (local.get $j))))
                (v128.load (i32.add (local.get $invStd) (local.get $j)))))
            (v128.store (i32.add (local.get $xHat) (local.get $at)) (local.get $normalized))
            (local.set $scaled
              (f32x4.add
                (f32x4.mul (local.get $normalized) (v128.load (i32.add (local.get $gamma) (local.get $j))))
                (v128.load (i32.add (local.get $beta) (local.get $j)))))
            ;; where scaled <= 0 (and a ReLU follows): +0; NaN stays NaN
            (v128.store (i32.add (local.get $y) (local.get $at))
              (v128.andnot (local.get $scaled)
                (v128.andnot (f32x4.le (local.get $scaled) (v128.const f32x4 0 0 0 0)) (local.get $keepAll))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vectorLoop)))
        (block $scalarsDone
          (loop $scalarLoop
            (br_if $scalarsDone (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $at (i32.add (i32.mul (local.get $row) (local.get $bytes)) (local.get $j)))
            (local.set $one
              (f32.mul
                (f32.sub (f32.load (i32.add (local.get $x) (local.get $at))) (f32.load (i32.add (local.get $mean) (local.get $j))))
                (f32.load (i32.add (local.get $invStd) (local.get $j)))))
            (f32.store (i32.add (local.get $xHat) (local.get $at)) (local.get $one))
            (local.set $one
              (f32.add
                (f32.mul (local.get $one) (f32.load (i32.add (local.get $gamma) (local.get $j))))
                (f32.load (i32.add (local.get $beta) (local.get $j)))))
            (f32.store (i32.add (local.get $y) (local.get $at))
              (select (f32.const 0) (local.get $one)
                (i32.and (f32.le (local.get $one) (f32.const 0)) (i32.eqz (local.get $noRelu)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $scalarLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  (func (export "gradSums")
    (param $dy i32) (param $y i32) (param $xHat i32) (param $rows i32) (param $c i32) (param $noRelu i32)
    (param $partials i32) (param $sums i32)
    ;; partials: 2c float32 (Σd, then Σd·x̂), sums: 2c float64 in the same order
    (local $row i32) (local $j i32) (local $bytes i32) (local $vectorBytes i32) (local $inBlock i32) (local $at i32)
    (local $masked v128) (local $keepAll v128) (local $one f32)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $keepAll (i32x4.splat (i32.sub (i32.const 0) (local.get $noRelu))))
    (call $clear (i32.shl (local.get $c) (i32.const 1)) (local.get $partials) (local.get $sums))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $vectorBytes)))
            (local.set $at (i32.add (i32.mul (local.get $row) (local.get $bytes)) (local.get $j)))
            (local.set $masked
              (call $maskedVector (v128.load (i32.add (local.get $dy) (local.get $at))) (v128.load (i32.add (local.get $y) (local.get $at))) (local.get $keepAll)))
            (v128.store (i32.add (local.get $partials) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $partials) (local.get $j))) (local.get $masked)))
            (v128.store (i32.add (i32.add (local.get $partials) (local.get $bytes)) (local.get $j))
              (f32x4.add
                (v128.load (i32.add (i32.add (local.get $partials) (local.get $bytes)) (local.get $j)))
                (f32x4.mul (local.get $masked) (v128.load (i32.add (local.get $xHat) (local.get $at))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vectorLoop)))
        (block $scalarsDone
          (loop $scalarLoop
            (br_if $scalarsDone (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $at (i32.add (i32.mul (local.get $row) (local.get $bytes)) (local.get $j)))
            (local.set $one
              (call $maskedScalar (f32.load (i32.add (local.get $dy) (local.get $at))) (f32.load (i32.add (local.get $y) (local.get $at))) (local.get $noRelu)))
            (f32.store (i32.add (local.get $partials) (local.get $j))
              (f32.add (f32.load (i32.add (local.get $partials) (local.get $j))) (local.get $one)))
            (f32.store (i32.add (i32.add (local.get $partials) (local.get $bytes)) (local.get $j))
              (f32.add
                (f32.load (i32.add (i32.add (local.get $partials) (local.get $bytes)) (local.get $j)))
                (f32.mul (local.get $one) (f32.load (i32.add (local.get $xHat) (local.get $at))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $scalarLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (local.set $inBlock (i32.add (local.get $inBlock) (i32.const 1)))
        (if (i32.or (i32.eq (local.get $inBlock) (i32.const 64)) (i32.eq (local.get $row) (local.get $rows)))
          (then
            (local.set $inBlock (i32.const 0))
            (call $flush (i32.shl (local.get $c) (i32.const 1)) (local.get $partials) (local.get $sums))))
        (br $rowLoop))))

  (func (export "gradInput")
    (param $dy i32) (param $y i32) (param $xHat i32) (param $rows i32) (param $c i32) (param $noRelu i32)
    (param $a i32) (param $b i32) (param $shift i32) (param $dx i32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $vectorBytes i32) (local $at i32) (local $keepAll v128)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $keepAll (i32x4.splat (i32.sub (i32.const 0) (local.get $noRelu))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $vectorBytes)))
            (local.set $at (i32.add (i32.mul (local.get $row) (local.get $bytes)) (local.get $j)))
            (v128.store (i32.add (local.get $dx) (local.get $at))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul
                    (call $maskedVector (v128.load (i32.add (local.get $dy) (local.get $at))) (v128.load (i32.add (local.get $y) (local.get $at))) (local.get $keepAll))
                    (v128.load (i32.add (local.get $a) (local.get $j))))
                  (v128.load (i32.add (local.get $shift) (local.get $j))))
                (f32x4.mul (v128.load (i32.add (local.get $xHat) (local.get $at))) (v128.load (i32.add (local.get $b) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vectorLoop)))
        (block $scalarsDone
          (loop $scalarLoop
            (br_if $scalarsDone (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $at (i32.add (i32.mul (local.get $row) (local.get $bytes)) (local.get $j)))
            (f32.store (i32.add (local.get $dx) (local.get $at))
              (f32.add
                (f32.add
                  (f32.mul
                    (call $maskedScalar (f32.load (i32.add (local.get $dy) (local.get $at))) (f32.load (i32.add (local.get $y) (local.get $at))) (local.get $noRelu))
                    (f32.load (i32.add (local.get $a) (local.get $j))))
                  (f32.load (i32.add (local.get $shift) (local.get $j))))
                (f32.mul (f32.load (i32.add (local.get $xHat) (local.get $at))) (f32.load (i32.add (local.get $b) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $scalarLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; dy·m with m = 1.0 where y > 0 or NaN (or everywhere when keepAll is all ones), else 0.0: a product, as the
  ;; ReLU's gradient dy·step(x) is
  (func $maskedVector (param $dy v128) (param $y v128) (param $keepAll v128) (result v128)
    (f32x4.mul (local.get $dy)
      (v128.and (f32x4.splat (f32.const 1))
        (v128.or (v128.not (f32x4.le (local.get $y) (v128.const f32x4 0 0 0 0))) (local.get $keepAll)))))

  (func $maskedScalar (param $dy f32) (param $y f32) (param $noRelu i32) (result f32)
    (f32.mul (local.get $dy)
      (select (f32.const 1) (f32.const 0)
        (i32.or (i32.eqz (f32.le (local.get $y) (f32.const 0))) (local.get $noRelu)))))

  ;; sums[j] (float64) = Σ over the rows of x[row][j]
  (func $sumRows (export "channelSums") (param $x i32) (param $rows i32) (param $c i32) (param $partials i32) (param $sums i32)
    (local $row i32) (local $j i32) (local $p i32) (local $bytes i32) (local $vectorBytes i32) (local $inBlock i32)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (call $clear (local.get $c) (local.get $partials) (local.get $sums))
    (local.set $p (local.get $x))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $vectorBytes)))
            (v128.store (i32.add (local.get $partials) (local.get $j))
              (f32x4.add
                (v128.load (i32.add (local.get $partials) (local.get $j)))
                (v128.load (i32.add (local.get $p) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vectorLoop)))
        (block $scalarsDone
          (loop $scalarLoop
            (br_if $scalarsDone (i32.ge_u (local.get $j) (local.get $bytes)))
            (f32.store (i32.add (local.get $partials) (local.get $j))
              (f32.add
                (f32.load (i32.add (local.get $partials) (local.get $j)))
                (f32.load (i32.add (local.get $p) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $scalarLoop)))
        (local.set $p (i32.add (local.get $p) (local.get $bytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (local.set $inBlock (i32.add (local.get $inBlock) (i32.const 1)))
        (if (i32.or (i32.eq (local.get $inBlock) (i32.const 64)) (i32.eq (local.get $row) (local.get $rows)))
          (then
            (local.set $inBlock (i32.const 0))
            (call $flush (local.get $c) (local.get $partials) (local.get $sums))))
        (br $rowLoop))))

  ;; sums[j] (float64) = Σ over the rows of (x[row][j] - mean[j])², the difference and its square in float32
  (func $squaredDeviations (param $x i32) (param $rows i32) (param $c i32) (param $mean i32) (param $partials i32) (param $sums i32)
    (local $row i32) (local $j i32) (local $p i32) (local $bytes i32) (local $vectorBytes i32) (local $inBlock i32)
    (local $deviation v128) (local $one f32)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (call $clear (local.get $c) (local.get $partials) (local.get $sums))
    (local.set $p (local.get $x))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $vectorBytes)))
            (local.set $deviation
              (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $j))) (v128.load (i32.add (local.get $mean) (local.get $j)))))
            (v128.store (i32.add (local.get $partials) (local.get $j))
              (f32x4.add
                (v128.load (i32.add (local.get $partials) (local.get $j)))
                (f32x4.mul (local.get $deviation) (local.get $deviation))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vectorLoop)))
        (block $scalarsDone
          (loop $scalarLoop
            (br_if $scalarsDone (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $one
              (f32.sub (f32.load (i32.add (local.get $p) (local.get $j))) (f32.load (i32.add (local.get $mean) (local.get $j)))))
            (f32.store (i32.add (local.get $partials) (local.get $j))
              (f32.add
                (f32.load (i32.add (local.get $partials) (local.get $j)))
                (f32.mul (local.get $one) (local.get $one))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $scalarLoop)))
        (local.set $p (i32.add (local.get $p) (local.get $bytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (local.set $inBlock (i32.add (local.get $inBlock) (i32.const 1)))
        (if (i32.or (i32.eq (local.get $inBlock) (i32.const 64)) (i32.eq (local.get $row) (local.get $rows)))
          (then
            (local.set $inBlock (i32.const 0))
            (call $flush (local.get $c) (local.get $partials) (local.get $sums))))
        (br $rowLoop))))

  ;; out[j] (float32) = sums[j] / rows, divided in float64
  (func $storeMeans (param $c i32) (param $rows i32) (param $sums i32) (param $out i32)
    (local $j i32)
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $j) (local.get $c)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (f32.demote_f64
            (f64.div (f64.load (i32.add (local.get $sums) (i32.shl (local.get $j) (i32.const 3)))) (f64.convert_i32_u (local.get $rows)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loop))))

  ;; sums[j] = 0 (float64), partials[j] = 0 (float32)
  (func $clear (param $c i32) (param $partials i32) (param $sums i32)
    (local $j i32)
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $j) (local.get $c)))
        (f64.store (i32.add (local.get $sums) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
        (f32.store (i32.add (local.get $partials) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loop))))

  ;; sums[j] += partials[j]; partials[j] = 0
  (func $flush (param $c i32) (param $partials i32) (param $sums i32)
    (local $j i32) (local $sum i32) (local $partial i32)
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $j) (local.get $c)))
        (local.set $sum (i32.add (local.get $sums) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $partial (i32.add (local.get $partials) (i32.shl (local.get $j) (i32.const 2))))
        (f64.store (local.get $sum) (f64.add (f64.load (local.get $sum)) (f64.promote_f32 (f32.load (local.get $partial)))))
        (f32.store (local.get $partial) (f32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loop)))))
