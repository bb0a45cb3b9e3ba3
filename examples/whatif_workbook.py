# %% [markdown]
# # A what-if workbook for an analyst
#
# A sustainability analyst wants a spreadsheet of a DGX H100 in a French data centre to
# share with colleagues: the footprint, a sweep over grid intensity and lifetime, a Monte
# Carlo of the factors' ranges and a sensitivity ranking, and a Model sheet whose yellow
# input cells can be edited in Excel or LibreOffice so that every sheet follows.

# %%
import numpy as np
import openpyxl

import lca

BOM, REGION = "dgx-h100", "FR"
base = lca.assess(BOM, region=REGION, pue=1.2)
sweep = lca.sweep(BOM, grid=np.linspace(0.02, 0.8, 9), lifetime=[3, 4, 5, 6], pue=1.2)
mc = lca.monte_carlo(BOM, n=1000, seed=1, region=REGION, pue=1.2)
sens = lca.sensitivity(BOM, region=REGION, pue=1.2)
sens.head(5)

# %%
mc

# %%
path = base.to_excel("dgx-h100-whatif.xlsx", sweep=sweep, monte_carlo=mc,
                     sensitivity=sens, force=True)
print("wrote", path, "with sheets", openpyxl.load_workbook(path).sheetnames)

# %% [markdown]
# The Summary, Components and Operational sheets show the Model sheet's cells by formula.
# Here a colleague's edit of the footprint workbook (the same first sheets, without the
# analyses), made with openpyxl instead of Excel: the lifetime becomes 4 years. Excel or
# LibreOffice recompute on opening; in Python the `formulas` package can (it is in lca's
# test extra), and the result equals `lca.assess` with the same edit.

# %%
path = base.to_excel("dgx-h100.xlsx", force=True)
book = openpyxl.load_workbook(path)
model = book["Model"]
row = next(r for r in range(1, model.max_row + 1) if model.cell(r, 4).value == "lifetime")
model.cell(row, 2).value = 4.0
book.save("dgx-h100-edited.xlsx")
print("Summary total per year is now the formula", openpyxl.load_workbook(
    "dgx-h100-edited.xlsx")["Summary"]["H2"].value)

try:
    import formulas
except ImportError:
    formulas = None
if formulas is not None:
    solution = formulas.ExcelModel().loads("dgx-h100-edited.xlsx").finish().calculate()
    total = next(float(np.ravel(v.value)[0]) for k, v in solution.items()
                 if k.upper().endswith("SUMMARY'!H2"))
    expected = lca.assess(BOM, region=REGION, pue=1.2, lifetime=4).total_per_year.magnitude
    print(f"recomputed: {total:,.1f} kgCO2e/year; lca.assess: {expected:,.1f}")
    assert abs(total - expected) < 1e-6 * expected

# %%
sweep.plot()
