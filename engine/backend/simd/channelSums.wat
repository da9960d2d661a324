;; Per-channel sums of a row-major [rows, c] float32 matrix in the TensorFlow.js wasm backend's own memory
;; (imported): sums[j] = x[0][j] + x[1][j] + ... as float64. Each row is added into float32 partials with
;; 4-wide SIMD (a scalar loop for the last c mod 4 channels); every 64 rows the partials are added into the
;; float64 sums and cleared, so no float32 accumulator ever holds more than 64 values.
;; Compiled by tools/compileWat.mjs into channelSumsWasm.ts; test/unit/engine/backend/channelSums.test.ts
;; checks that the two agree.
(module
  (import "env" "memory" (memory 1))
  (func (export "channelSums")
    (param $x i32) (param $rows i32) (param $c i32) (param $partials i32) (param $sums i32)
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
