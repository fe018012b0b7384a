"""Property test: any list of tar members either installs exactly inside the destination or is refused
with ValueError, and a refused archive writes nothing at all."""
import tarfile, tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from mnist37.external import install_archive
from mnist37.test_utils import make_tar

segment = st.sampled_from(['demo', 'a', 'b', '..', '.', '', 'c.png'])
name = st.one_of(st.lists(segment, min_size=1, max_size=4).map('/'.join),
                 st.sampled_from(['/etc/passwd', '/tmp/x', 'demo/../..', 'demo\\..\\x']))
content = st.one_of(st.binary(max_size=8), st.none(),
                    st.tuples(st.sampled_from(['sym', 'lnk']), name))
members = st.lists(st.tuples(name, content), min_size=0, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members)
def test_members_install_inside_or_are_refused(ms):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        archive = make_tar(root/'a.tgz', ms)
        dest = root/'x'/'y'/'dest'
        try: out = install_archive(archive, dest)
        except ValueError as e:
            assert 'Refusing' in str(e), e
            assert sorted(p.name for p in root.iterdir()) == ['a.tgz']       # nothing written anywhere
            return
        # installed: everything new lies under dest/top, and only plain files and folders were made
        assert out.parent == dest
        made = [p for p in root.rglob('*') if p != archive]
        assert all(p == root/'x' or p == root/'x'/'y' or p == dest or p.is_relative_to(out) or p.name.endswith('.lock') for p in made), made
        assert not any(p.is_symlink() for p in made)
        with tarfile.open(archive) as tf:
            want = {'/'.join(q for q in m.name.split('/') if q not in ('', '.')) for m in tf}
        got = {str(p.relative_to(dest)) for p in out.rglob('*')} | {out.name}
        assert want <= got | {out.name}, (want, got)
