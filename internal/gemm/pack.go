package gemm

// packA copies alpha·op(A)[ic:ic+mc, pc:pc+kc] into dst as micro-panels of
// mr rows: panel r holds, for each step p, the mr values of column p, so the
// micro-kernel reads it sequentially. Rows past mc are zero.
func packA(pr *problem, dst []float32, mr, ic, mc, pc, kc int) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		panel := dst[ir*kc : (ir+mr)*kc]
		if pr.transA {
			packRowsContig(panel, pr.a, pr.lda, pc, kc, ic+ir, rows, mr, pr.alpha)
		} else {
			packRowsStrided(panel, pr.a, pr.lda, ic+ir, rows, pc, kc, mr, pr.alpha)
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as micro-panels of nr
// columns: panel j holds, for each step p, the nr values of row p. Columns
// past nc are zero.
func packB(pr *problem, dst []float32, nr, jc, nc, pc, kc int) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		panel := dst[jr*kc : (jr+nr)*kc]
		if pr.transB {
			packRowsStrided(panel, pr.b, pr.ldb, jc+jr, cols, pc, kc, nr, 1)
		} else {
			packRowsContig(panel, pr.b, pr.ldb, pc, kc, jc+jr, cols, nr, 1)
		}
	}
}

// packRowsContig packs a panel whose w values per step are contiguous in src:
// step p reads src[(p0+p)*ld+x0 : +w] into panel[p*width:], zero-padding to
// width, scaled by alpha.
func packRowsContig(panel, src []float32, ld, p0, kc, x0, w, width int, alpha float32) {
	for p := 0; p < kc; p++ {
		d := panel[p*width : p*width+width]
		s := src[(p0+p)*ld+x0 : (p0+p)*ld+x0+w]
		if alpha == 1 {
			copy(d, s)
		} else {
			for i, v := range s {
				d[i] = alpha * v
			}
		}
		clear(d[w:])
	}
}

// packRowsStrided packs a panel whose values per step are strided in src:
// row x0+i of src, columns p0..p0+kc, becomes lane i of every step, scaled by
// alpha; lanes w..width are zero.
func packRowsStrided(panel, src []float32, ld, x0, w, p0, kc, width int, alpha float32) {
	for i := 0; i < w; i++ {
		s := src[(x0+i)*ld+p0 : (x0+i)*ld+p0+kc]
		if alpha == 1 {
			for p, v := range s {
				panel[p*width+i] = v
			}
		} else {
			for p, v := range s {
				panel[p*width+i] = alpha * v
			}
		}
	}
	if w < width {
		for p := 0; p < kc; p++ {
			clear(panel[p*width+w : p*width+width])
		}
	}
}
