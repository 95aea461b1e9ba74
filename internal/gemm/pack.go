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
		copy(d, src[(p0+p)*ld+x0:(p0+p)*ld+x0+w])
		clear(d[w:])
	}
	scale(panel[:kc*width], alpha)
}

// packRowsStrided packs a panel whose values per step are strided in src:
// row x0+i of src, columns p0..p0+kc, becomes lane i of every step, scaled by
// alpha; lanes w..width are zero. Four rows are read side by side so that
// every step writes four adjacent lanes.
func packRowsStrided(panel, src []float32, ld, x0, w, p0, kc, width int, alpha float32) {
	panel = panel[:kc*width]
	row := func(i int) []float32 { return src[(x0+i)*ld+p0 : (x0+i)*ld+p0+kc] }
	i := 0
	for ; i+4 <= w; i += 4 {
		r0, r1, r2, r3 := row(i), row(i+1), row(i+2), row(i+3)
		r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
		for p, v := range r0 {
			d := panel[p*width+i : p*width+i+4 : p*width+i+4]
			d[0], d[1], d[2], d[3] = v, r1[p], r2[p], r3[p]
		}
	}
	for ; i < w; i++ {
		for p, v := range row(i) {
			panel[p*width+i] = v
		}
	}
	if w < width {
		for p := 0; p < kc; p++ {
			clear(panel[p*width+w : p*width+width])
		}
	}
	scale(panel, alpha)
}

// scale multiplies s by alpha in place (nothing to do when alpha is 1).
func scale(s []float32, alpha float32) {
	if alpha == 1 {
		return
	}
	for i := range s {
		s[i] *= alpha
	}
}
