//! Hot loops compiled for the widest vectors the processor has, chosen at
//! run time: the build targets x86-64-v2 (SSE, two lanes of f64) so that
//! the wheel runs anywhere, while most machines analysts use have AVX2
//! (four) and many AVX-512 (eight).

/// Defines `fn $name(args) -> ret`, which runs `$body(args)` (an
/// `#[inline(always)]` function) compiled for AVX-512 where the processor
/// has it, else AVX2 (with FMA), else the build's baseline; `$avx512` and `$avx2` name
/// the wider copies (tests compare them). Every copy is the same
/// arithmetic, operation by operation (Rust never fuses a multiply and an
/// add by itself, and a fused one, `mul_add`, is rounded once in every
/// copy: an instruction in the wider ones, which have FMA, and libm's `fma`
/// in the baseline's), so every width gives the same bits. Closures in `$body`
/// would be compiled apart, at the baseline: write its loops with plain
/// functions.
macro_rules! in_widest_vectors {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident / $avx512:ident / $avx2:ident
        $(<const $g:ident: usize>)? ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
        => $body:ident
    ) => {
        $(#[$meta])*
        $vis fn $name$(<const $g: usize>)?($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the processor has AVX-512F, checked just above.
                    return unsafe { $avx512$(::<$g>)?($($arg),*) };
                }
                if $crate::evidence::widest_vectors::has_avx2_and_fma() {
                    // SAFETY: the processor has AVX2 and FMA, checked just above.
                    return unsafe { $avx2$(::<$g>)?($($arg),*) };
                }
            }
            $body$(::<$g>)?($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        fn $avx512$(<const $g: usize>)?($($arg: $ty),*) -> $ret {
            $body$(::<$g>)?($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx2$(<const $g: usize>)?($($arg: $ty),*) -> $ret {
            $body$(::<$g>)?($($arg),*)
        }
    };
}

pub(crate) use in_widest_vectors;

/// Whether the processor runs the AVX2 copies: AVX2 and FMA (every
/// processor with AVX2 but a few has both).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2_and_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// An array of one value a lane, for the loops above: `std::array::from_fn`
/// without its generality, which the compiler does not always inline into
/// them (a call compiled apart runs at the baseline width).
#[inline(always)]
pub(crate) fn lanes<T: Copy + Default, const L: usize>(value: impl Fn(usize) -> T) -> [T; L] {
    let mut values = [T::default(); L];
    for (l, v) in values.iter_mut().enumerate() {
        *v = value(l);
    }
    values
}
