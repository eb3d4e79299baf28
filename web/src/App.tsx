import { BrowserRouter, Route, Routes } from 'react-router';
import { AuthProvider } from './auth/AuthProvider.tsx';
import { AppLayout } from './components/AppLayout.tsx';
import { DataProvider } from './data/index.ts';
import { AdminHome } from './pages/AdminHome.tsx';
import { CaseDetailPage } from './pages/CaseDetailPage.tsx';
import { ClinicAnalyticsPage } from './pages/ClinicAnalyticsPage.tsx';
import { DoctorHome } from './pages/DoctorHome.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { PatientHome } from './pages/PatientHome.tsx';
import { CallPage } from './pages/CallPage.tsx';
import { DoctorQueuePage } from './pages/DoctorQueuePage.tsx';
import { PatientVisitPage } from './pages/PatientVisitPage.tsx';
import { RequireRole, RequireSession, RoleHomeRedirect } from './routing/guards.tsx';
import { PATHS } from './routing/roles.ts';
import { ServicesProvider, type AppServices } from './services.tsx';

export function App({ services }: { services: AppServices }) {
  return (
    <ServicesProvider services={services}>
      <DataProvider>
        <AuthProvider>
          <BrowserRouter>
            <Routes>
              <Route path={PATHS.login} element={<LoginPage />} />
              <Route element={<RequireSession />}>
                <Route element={<AppLayout />}>
                  <Route index element={<RoleHomeRedirect />} />
                  <Route path={PATHS.patientHome} element={<RequireRole><PatientHome /></RequireRole>} />
                  <Route path={PATHS.doctorHome} element={<RequireRole><DoctorHome /></RequireRole>} />
                  <Route path={PATHS.adminHome} element={<RequireRole><AdminHome /></RequireRole>} />
                  <Route path={PATHS.casePattern} element={<RequireRole><CaseDetailPage /></RequireRole>} />
                  <Route path={PATHS.doctorVisits} element={<RequireRole><DoctorQueuePage /></RequireRole>} />
                  <Route path={PATHS.doctorAnalytics} element={<RequireRole><ClinicAnalyticsPage /></RequireRole>} />
                  <Route path={PATHS.patientVisitPattern} element={<RequireRole><PatientVisitPage /></RequireRole>} />
                  <Route path={PATHS.callPattern} element={<RequireRole><CallPage /></RequireRole>} />
                </Route>
              </Route>
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </BrowserRouter>
        </AuthProvider>
      </DataProvider>
    </ServicesProvider>
  );
}
